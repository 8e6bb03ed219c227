import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/http/app-error';
import { problemErrorHandler } from '../../src/http/error-handler';
import { bodyChunks } from '../../src/http/body';
import { createIdempotency, idempotencyKeyOf } from '../../src/http/idempotency';
import { createIdempotencyService } from '../../src/modules/idempotency/idempotency.service';
import { createLogger } from '../../src/shared/logger';
import { freshId } from '../factories/catalog-factory';
import {
  createSignalsTenant,
  inventoryEvents,
  postSigned,
  preorderRows,
  rotateSigningSecret,
  toNdjson,
  type SignalsTenant,
} from '../factories/signals-factory';
import { eventually } from '../factories/plan-publish-factory';
import type { Schemas } from '../../src/client';
import { answer, expectData } from '../harness/answers';
import { startTestApp, type TestApp } from '../harness/test-app';

/**
 * Idempotency-Key on POST: the first answer is kept for 24 h per API key and replayed; a different
 * request with the same key is 422; the same key while the first runs is 409; a key over 255
 * characters is 400. Over real HTTP, on the real database.
 */
let app: TestApp;
let tenant: SignalsTenant;
const T0 = '2026-11-23T12:00:00Z';

beforeAll(async () => {
  app = await startTestApp({ now: T0 });
  tenant = await createSignalsTenant(app);
});
afterAll(() => app.close());

const subscriptionsOf = async (partnerId: string) =>
  (
    await expectData(
      200,
      app.client().GET('/v1/webhook-subscriptions', { params: { query: { partner_id: partnerId } } }),
    )
  ).items;

/** POST /v1/webhook-subscriptions with these headers (an Idempotency-Key), as `key` (the admin by default). */
const subscribe = (body: Schemas['WebhookSubscriptionInput'], headers: Record<string, string>, key?: string) =>
  answer(app.client(key).POST('/v1/webhook-subscriptions', { body, headers }));

describe('replays', () => {
  it('answers a repeated POST with the first answer, without doing the work again', async () => {
    const key = { 'Idempotency-Key': freshId('sub') };
    const body = { partner_id: tenant.partnerId, url: 'https://partner.example/hooks' };
    const first = await subscribe(body, key);
    const again = await subscribe(body, key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toContain('application/json');
    expect(again.text).toBe(first.text);
    expect(await subscriptionsOf(tenant.partnerId)).toHaveLength(1);
  });

  it('refuses the same key with a different body (422) or path, and writes nothing for it', async () => {
    const other = await createSignalsTenant(app);
    const key = { 'Idempotency-Key': freshId('sub') };
    const first = await subscribe({ partner_id: other.partnerId, url: 'https://a.example/hooks' }, key);
    expect(first.status).toBe(201);
    const changed = await subscribe({ partner_id: other.partnerId, url: 'https://b.example/hooks' }, key);
    expect(changed.status).toBe(422);
    expect(changed.headers.get('content-type')).toContain('application/problem+json');
    expect(changed.error).toMatchObject({ code: 'unprocessable', errors: [{ path: 'Idempotency-Key' }] });
    const dropId = other.dropId;
    const elsewhere = await answer(
      app.client().POST('/v1/drops/{dropId}/forecasts', { params: { path: { dropId } }, headers: key }),
    );
    expect(elsewhere.status).toBe(422);
    expect(await subscriptionsOf(other.partnerId)).toHaveLength(1);
    const forecasts = await answer(app.client().GET('/v1/drops/{dropId}/forecasts', { params: { path: { dropId } } }));
    expect(forecasts.data?.items).toHaveLength(0);
  });

  it('scopes keys to the API key that sent them', async () => {
    const other = await createSignalsTenant(app);
    const secondAdmin = (await answer(app.client().POST('/v1/keys', { body: { role: 'admin' } }))).data!.key;
    const key = { 'Idempotency-Key': 'same-key-two-callers' };
    const body = { partner_id: other.partnerId, url: 'https://c.example/hooks' };
    const mine = await subscribe(body, key);
    const theirs = await subscribe(body, key, secondAdmin);
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.data?.id).not.toBe(mine.data?.id);
  });

  it('keeps a refusal (4xx) as the answer: a retry of a rejected import is rejected the same way', async () => {
    const key = { 'Idempotency-Key': freshId('bad') };
    const rows = [{ ...preorderRows(tenant, 1)[0]!, quantity: 0 }];
    const importRows = () =>
      answer(
        app.client().POST('/v1/drops/{dropId}/preorders', {
          params: { path: { dropId: tenant.dropId } },
          body: { rows },
          headers: key,
        }),
      );
    const first = await importRows();
    const again = await importRows();
    expect(first.status).toBe(422);
    expect(again.status).toBe(422);
    expect(again.text).toBe(first.text);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
  });

  it('hashes a streamed import as it is read: same rows replay the first counts, other rows are 422', async () => {
    const key = { 'Idempotency-Key': freshId('ndjson') };
    const path = `/v1/drops/${tenant.dropId}/preorders`;
    const rows = preorderRows(tenant, 500);
    // A raw NDJSON stream: sent raw.
    const post = (body: string) =>
      app.rawRequest('POST', path, { rawBody: body, headers: { ...key, 'content-type': 'application/x-ndjson' } });
    const first = await post(toNdjson(rows));
    expect(first.body).toEqual({ rows: 500, created: 500, updated: 0, unchanged: 0 });
    const again = await post(toNdjson(rows));
    // The stored answer, not a second run (which would count 500 unchanged rows).
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const changed = await post(toNdjson(rows.slice(0, 499)));
    expect(changed.status).toBe(422);
  });

  it("keys a signed partner's requests to that partner", async () => {
    const secret = await rotateSigningSecret(app, tenant.partnerId);
    const body = toNdjson(inventoryEvents(tenant, 2));
    const send = () =>
      postSigned(app, { partnerId: tenant.partnerId, secret, body }).then(async (unkeyed) => {
        expect(unkeyed.status).toBe(200);
        // A signed raw NDJSON body, no API key: sent raw.
        return app.rawRequest('POST', '/v1/inventory-events', {
          key: null,
          rawBody: body,
          headers: {
            'content-type': 'application/x-ndjson',
            'x-partner-id': tenant.partnerId,
            'x-signature-timestamp': String(Math.floor(app.clock.now().getTime() / 1000)),
            'x-signature': (await import('../../src/modules/signals/core/signing')).signBody(
              secret,
              Math.floor(app.clock.now().getTime() / 1000),
              body,
            ),
            'idempotency-key': 'signed-import-1',
          },
        });
      });
    const first = await send();
    const second = await send();
    expect(first.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.text).toBe(first.text);
  });

  it('runs a request again once its key is 24 hours old, and the purge job deletes old keys', async () => {
    const other = await createSignalsTenant(app);
    const key = { 'Idempotency-Key': freshId('day') };
    const body = { partner_id: other.partnerId, url: 'https://d.example/hooks' };
    expect((await subscribe(body, key)).status).toBe(201);
    app.clock.set('2026-11-24T12:00:00Z');
    try {
      const later = await subscribe(body, key);
      expect(later.status).toBe(201);
      expect(later.headers.get('idempotent-replayed')).toBeNull();
      expect(await subscriptionsOf(other.partnerId)).toHaveLength(2);
      app.clock.set('2026-11-25T12:00:01Z');
      expect(await app.services.idempotency.service.purgeExpired()).toBeGreaterThan(0);
      const { rows } = await app.database.db.query<{ n: number }>(
        'select count(*)::int as n from idempotency_keys where expires_at <= $1',
        [app.clock.now()],
      );
      expect(rows[0]!.n).toBe(0);
    } finally {
      app.clock.set(T0);
    }
  });

  it('ignores the header on routes whose answers carry a secret (API keys)', async () => {
    const key = { 'Idempotency-Key': freshId('keys') };
    const a = await answer(app.client().POST('/v1/keys', { body: { role: 'admin' }, headers: key }));
    const b = await answer(app.client().POST('/v1/keys', { body: { role: 'admin' }, headers: key }));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.data?.id).not.toBe(a.data?.id);
    const { rows } = await app.database.db.query('select 1 from idempotency_keys where key = $1', [
      key['Idempotency-Key'],
    ]);
    expect(rows).toHaveLength(0);
  });
});

describe('a first request that died', () => {
  it('lets a retry run once the first request stopped renewing its claim (its process died)', async () => {
    const other = await createSignalsTenant(app);
    const keyId = (await app.services.keys.authenticate(app.adminKey))!.keyId;
    const key = freshId('orphan');
    await app.database.db.query(
      `insert into idempotency_keys (api_key_id, key, state, lease_token, locked_until, created_at, expires_at)
       values ($1, $2, 'running', 'dead-process', $3, $3, $4)`,
      [keyId, key, new Date('2026-11-23T11:59:00Z'), new Date('2026-11-24T11:59:00Z')],
    );
    const res = await subscribe(
      { partner_id: other.partnerId, url: 'https://e.example/hooks' },
      { 'Idempotency-Key': key },
    );
    expect(res.status).toBe(201);
  });
});

describe('answers that are not kept', () => {
  // A bare express app around the real middleware and store: its handler fails, then succeeds.
  let server: http.Server;
  let base: string;
  let calls = 0;
  let release: (value: unknown) => void = () => undefined;
  beforeAll(async () => {
    const idempotency = createIdempotency(createIdempotencyService(app.database.db, { clock: app.clock }));
    const logger = createLogger('silent');
    const bare = express();
    bare.use((req, _res, next) => {
      req.requestId = 'test';
      req.log = logger;
      req.principal = { keyId: 'bare-key', role: 'admin' };
      next();
    });
    bare.use(express.json());
    bare.use(idempotency.middleware);
    bare.post('/work', (req, res) => {
      calls += 1;
      if (calls === 1) throw new AppError('unavailable', 'the database does not answer');
      res.status(201).json({ call: calls, key: idempotencyKeyOf(req) });
    });
    bare.post('/wait', async (_req, res) => {
      await new Promise((resolve) => (release = resolve));
      res.status(201).json({ done: true });
    });
    bare.post('/stream', async (req, res) => {
      let bytes = 0;
      for await (const chunk of bodyChunks(req, 1 << 30)) bytes += chunk.length;
      res.json({ bytes });
    });
    bare.use(problemErrorHandler);
    server = bare.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('does not keep a 5xx: the retry runs the request again', async () => {
    const post = () =>
      fetch(`${base}/work`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'fails-first' },
        body: '{"a":1}',
      });
    const failed = await post();
    expect(failed.status).toBe(503);
    const retried = await post();
    expect(retried.status).toBe(201);
    expect(await retried.json()).toEqual({ call: 2, key: 'fails-first' });
    const replayed = await post();
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await replayed.json()).toEqual({ call: 2, key: 'fails-first' });
    expect(calls).toBe(2);
  });

  it('refuses the same key with 409 while the first request runs, then replays its answer', async () => {
    const post = () =>
      fetch(`${base}/wait`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'still-running' },
        body: '{}',
      });
    const first = post();
    await eventually(async () => {
      const { rows } = await app.database.db.query(
        "select 1 from idempotency_keys where key = 'still-running' and state = 'running'",
      );
      return rows.length === 1;
    });
    const second = await post();
    expect(second.status).toBe(409);
    expect(second.headers.get('content-type')).toContain('application/problem+json');
    expect(second.headers.get('retry-after')).toBe('1');
    expect(await second.json()).toMatchObject({ code: 'conflict', reason: 'idempotency_key_in_use' });
    release(undefined);
    expect((await first).status).toBe(201);
    const third = await post();
    expect(third.status).toBe(201);
    expect(third.headers.get('idempotent-replayed')).toBe('true');
  });

  it('hashes a chunked body the route streams, byte for byte', async () => {
    const post = (text: string) =>
      fetch(`${base}/stream`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', 'idempotency-key': 'streamed' },
        body: text,
      });
    expect(await (await post('a,b\n1,2\n')).json()).toEqual({ bytes: 8 });
    const same = await post('a,b\n1,2\n');
    expect(same.headers.get('idempotent-replayed')).toBe('true');
    expect((await post('a,b\n1,3\n')).status).toBe(422);
  });
});
