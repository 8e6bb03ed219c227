import { describe, expect, it } from 'vitest';
import { contractViolations } from '../harness/contract';

/**
 * The checker every API test's answers go through (test/harness/test-app.ts): it must refuse a body
 * that does not match openapi.yaml, an undeclared success status and an error that is not a
 * problem document, and accept what the contract declares.
 */
const drop = {
  id: 'drop-a',
  creator_id: 'creator-a',
  name: 'A',
  opens_at: '2026-12-01T00:00:00Z',
  closes_at: '2026-12-03T00:00:00Z',
  promise_business_days: 3,
  status: 'scheduled',
  baseline: { source: 'central-warehouse', paths: [] },
  created_at: '2026-11-01T00:00:00Z',
  updated_at: '2026-11-01T00:00:00Z',
};
const json = 'application/json; charset=utf-8';
const problem = {
  type: 'https://example.invalid/problems/not_found',
  title: 'Not found',
  status: 404,
  detail: "drop 'x' was not found",
  code: 'not_found',
  request_id: 'req-1',
};
const check = (path: string, status: number, body: unknown, contentType = json, method = 'GET') =>
  contractViolations({ method, path, status, contentType, body });

describe('response contract checker', () => {
  it('accepts an answer that keeps to the contract', () => {
    expect(check('/v1/drops/drop-a', 200, drop)).toEqual([]);
    expect(check('/v1/drops/x?fields=all', 404, problem, 'application/problem+json')).toEqual([]);
  });

  it('names the member of a body that breaks its schema', () => {
    expect(check('/v1/drops/drop-a', 200, { ...drop, promise_business_days: 'three' })).toEqual([
      expect.stringMatching(/^GET \/v1\/drops\/\{dropId\} → 200: promise_business_days: /),
    ]);
    expect(check('/v1/drops/drop-a', 200, { ...drop, status: 'sold-out' })).toHaveLength(1);
  });

  it('refuses a success status the operation does not declare', () => {
    expect(check('/v1/drops/drop-a', 206, drop)).toEqual([expect.stringContaining('status not declared')]);
  });

  it('checks an undeclared error status as a problem document', () => {
    expect(check('/v1/drops/drop-a', 418, problem, 'application/problem+json')).toEqual([]);
    expect(check('/v1/drops/drop-a', 418, { error: 'teapot' }, json).length).toBeGreaterThan(0);
  });

  it('leaves paths outside the contract alone', () => {
    expect(check('/app/drop.html', 200, undefined, 'text/html')).toEqual([]);
  });
});
