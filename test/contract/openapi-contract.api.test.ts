import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startTestApp, type TestApp } from '../harness/test-app';

/** The contract is the source of truth: lint it, and check every operation it names is served. */
interface Operation {
  operationId?: string;
  responses?: Record<string, { $ref?: string; content?: Record<string, unknown> }>;
}
const spec = parse(fs.readFileSync('openapi.yaml', 'utf8')) as {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
};
const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  methods.filter((m) => item[m]).map((method) => ({ path, method, op: item[method]! })),
);

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('openapi.yaml', () => {
  it('is OpenAPI 3.1 with a unique operationId on every operation', () => {
    expect(spec.openapi).toBe('3.1.0');
    const ids = operations.map((o) => o.op.operationId);
    expect(ids.every(Boolean)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares every error response as a problem document', () => {
    const offenders = operations.flatMap(({ path, method, op }) =>
      Object.entries(op.responses ?? {})
        .filter(([status]) => Number(status) >= 400)
        .filter(([, response]) => response.$ref !== '#/components/responses/Problem')
        .map(([status]) => `${method.toUpperCase()} ${path} ${status}`),
    );
    expect(offenders).toEqual([]);
  });

  it.each(operations.map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))(
    '%s is served by a route',
    async (_name, { path, method }) => {
      const concrete = path.replace(/\{[^}]+\}/g, 'contract-probe');
      // Any path and method of the contract with an empty body: raw, as no typed call names them all.
      const res = await app.rawRequest(method.toUpperCase(), concrete, {
        body: method === 'get' || method === 'delete' ? undefined : {},
      });
      // Any answer but the unknown-route 404 proves a handler is mounted (404 "not found" for the probe id is fine).
      const detail = (res.body as { detail?: string } | undefined)?.detail;
      expect(detail ?? '').not.toMatch(/^No route /);
    },
  );
});
