import fs from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createKey, createTenant, type Tenant } from '../factories/catalog-factory';
import { rawRequest } from '../harness/raw-http';
import { startTestApp, type TestApp } from '../harness/test-app';

/**
 * Every operation of openapi.yaml, fed hostile values in its path, query, headers and body
 * (malformed percent-escapes, control characters, huge and odd numbers, wrong types, bad JSON,
 * corrupt encodings, bad keys). Properties: never a 5xx; every error is application/problem+json
 * with its status and code; the service is healthy and ready afterwards.
 */
interface Parameter {
  $ref?: string;
  name?: string;
  in?: string;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: unknown;
}
const spec = parse(fs.readFileSync('openapi.yaml', 'utf8')) as {
  paths: Record<string, Record<string, Operation> & { parameters?: Parameter[] }>;
  components: { parameters: Record<string, Parameter> };
};
const resolve = (p: Parameter): Parameter => (p.$ref ? spec.components.parameters[p.$ref.split('/').pop()!]! : p);
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const operations = Object.entries(spec.paths).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((method) => {
    const op = item[method]!;
    const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(resolve);
    return {
      name: `${method.toUpperCase()} ${path}`,
      path,
      method: method.toUpperCase(),
      query: params.filter((p) => p.in === 'query').map((p) => p.name!),
      hasBody: op.requestBody !== undefined,
    };
  }),
);

/** What a client can send in a request target: spaces and control characters escaped, '%' left raw. */
const onTheWire = (value: string) => value.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
/** Path and query values: plausible ids, then everything an attacker would try. */
const hostileText = fc.oneof(
  fc
    .constantFrom(
      '%',
      '%E0%A4%A',
      '%ZZ',
      '%00',
      '%C0%AF',
      '%FF%FE',
      '..%2F..%2Fetc%2Fpasswd',
      '%25',
      '%2e%2e',
      'NaN',
      'Infinity',
      '-0',
      '1e309',
      '9'.repeat(400),
      "'; drop table drops; --",
      '{"$gt":""}',
      '__proto__',
      'constructor',
      '',
    )
    .map(onTheWire),
  fc.string({ maxLength: 40 }).map((s) => encodeURIComponent(s)),
  fc.string({ unit: 'binary', maxLength: 30 }).map((s) => encodeURIComponent(s)),
  fc.stringMatching(/^[a-z0-9-]{1,20}$/),
  fc.string({ maxLength: 3000 }).map((s) => encodeURIComponent(s).slice(0, 3000)),
);
/** Header values a client can put on the wire (visible ASCII and spaces). */
const headerText = fc.oneof(
  fc.stringMatching(/^[\x20-\x7e]{0,200}$/),
  fc.constantFrom('Bearer', 'Bearer ', 'Bearer %00', 'Basic Zm9vOmJhcg==', 'x'.repeat(4000)),
);
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .dictionary(
      fc.constantFrom('name', 'rows', 'id', 'url', 'quantity', 'opens_at', 'lanes', 'sourcing', 'role'),
      fc.jsonValue({ maxDepth: 3 }),
    )
    .map((v) => JSON.stringify(v)),
  fc.constantFrom('', '{', '[[[[', '{"rows": [1, "a", null, {}]}', '{"rows": {}}', 'null', '"x"', '1e999', '\u0000'),
  fc.string({ maxLength: 200 }),
);

let app: TestApp;
let tenant: Tenant;
let storefront: string;
beforeAll(async () => {
  app = await startTestApp();
  tenant = await createTenant(app);
  storefront = await createKey(app, { role: 'storefront', creator_id: tenant.creatorId });
});
afterAll(() => app.close());

describe('OpenAPI-driven fuzz', () => {
  it.each(operations.map((o) => [o.name, o] as const))('%s never answers 5xx to hostile input', async (_name, op) => {
    const known = [tenant.dropId, tenant.skuId, tenant.hubId, tenant.creatorId, tenant.partnerId, tenant.regionIds[0]!];
    const pathValue = fc.oneof(hostileText, fc.constantFrom(...known));
    const request = fc.record({
      pathValues: fc.array(pathValue, { minLength: 4, maxLength: 4 }),
      query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...op.query, 'x'), hostileText), hostileText), {
        maxLength: 4,
      }),
      key: fc.constantFrom<'admin' | 'storefront' | 'none' | 'garbage'>(
        'admin',
        'admin',
        'storefront',
        'none',
        'garbage',
      ),
      headers: fc.dictionary(
        fc.constantFrom(
          'x-request-id',
          'accept',
          'x-signature',
          'x-signature-timestamp',
          'x-partner-id',
          'if-none-match',
          'range',
          'accept-encoding',
        ),
        headerText,
        { maxKeys: 3 },
      ),
      contentType: fc.constantFrom(
        'application/json',
        'application/json',
        'application/x-ndjson',
        'text/csv',
        'text/plain',
        'application/json; charset=latin1',
        'multipart/form-data; boundary=x',
        '',
      ),
      encoding: fc.constantFrom('identity', 'identity', 'identity', 'gzip', 'gzip-corrupt', 'br', 'compress'),
      body: jsonBody,
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let index = 0;
        const path = op.path.replace(/\{[^}]+\}/g, () => r.pathValues[index++ % r.pathValues.length]!);
        const query = r.query.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
        const headers: Record<string, string> = { ...r.headers };
        if (r.key === 'admin') headers.authorization = `Bearer ${app.adminKey}`;
        if (r.key === 'storefront') headers.authorization = `Bearer ${storefront}`;
        if (r.key === 'garbage') headers.authorization = 'Bearer mf_admin_not-a-key';
        let body: Buffer | undefined;
        if (op.hasBody || r.encoding !== 'identity') {
          body = Buffer.from(r.body);
          if (r.contentType) headers['content-type'] = r.contentType;
          if (r.encoding === 'gzip') body = gzipSync(body);
          if (r.encoding === 'gzip-corrupt')
            body = Buffer.concat([gzipSync(body).subarray(0, 12), Buffer.from('junk')]);
          if (r.encoding !== 'identity')
            headers['content-encoding'] = r.encoding === 'gzip-corrupt' ? 'gzip' : r.encoding;
        }
        const res = await rawRequest(app.baseUrl, {
          method: op.method,
          path: query ? `${path}?${query}` : path,
          headers,
          body,
        });
        const seen = `${op.method} ${path}${query ? `?${query}` : ''} → ${res.status} ${res.text.slice(0, 300)}`;
        expect(res.status, seen).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.headers['content-type'], seen).toMatch(/^application\/problem\+json/);
          expect(res.body, seen).toMatchObject({ status: res.status });
          expect(typeof (res.body as { code?: unknown }).code, seen).toBe('string');
        }
      }),
      { numRuns: 10 },
    );
  });

  it('leaves the service healthy and ready', async () => {
    expect((await app.rawRequest('GET', '/healthz', { key: null })).status).toBe(200);
    expect((await app.rawRequest('GET', '/readyz', { key: null })).status).toBe(200);
    expect((await app.rawRequest('GET', `/v1/drops/${tenant.dropId}`)).status).toBe(200);
  });
});
