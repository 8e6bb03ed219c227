import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../../src/modules/signals/core/signing';
import { freshId } from '../../factories/catalog-factory';
import {
  createSignalsTenant,
  inventoryEvents,
  PAST,
  postCsv,
  postNdjson,
  postSigned,
  preorderRows,
  rotateSigningSecret,
  toNdjson,
  type SignalsTenant,
} from '../../factories/signals-factory';
import type { operations, Schemas } from '../../../src/client';
import { answer, problemIn } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';

/** What an import answers (read from a raw NDJSON or CSV upload). */
type ImportCounts = { rows: number; created: number; updated: number; unchanged: number };

let app: TestApp;
let mine: SignalsTenant;
let theirs: SignalsTenant;

beforeAll(async () => {
  app = await startTestApp();
  mine = await createSignalsTenant(app);
  theirs = await createSignalsTenant(app);
});
afterAll(() => app.close());

const socialRows = (t: SignalsTenant): Schemas['SocialSignalRow'][] => [
  { region_id: t.regionIds[0]!, channel: 'tiktok', metric: 'views', value: 1200, observed_at: '2026-11-20T10:00:00Z' },
  { region_id: t.regionIds[0]!, channel: 'tiktok', metric: 'views', value: 900, observed_at: '2026-11-19T10:00:00Z' },
  { region_id: t.regionIds[1]!, channel: 'discord', metric: 'rsvps', value: 40, observed_at: '2026-11-20T11:30:00Z' },
];

const postSocial = (t: SignalsTenant, rows: Schemas['SocialSignalRow'][], key: string) =>
  answer(
    app
      .client(key)
      .POST('/v1/drops/{dropId}/social-signals', { params: { path: { dropId: t.dropId } }, body: { rows } }),
  );
const postTokenHolders = (t: SignalsTenant, rows: Schemas['TokenHolderSnapshotRow'][], key: string) =>
  answer(
    app.client(key).POST('/v1/drops/{dropId}/token-holder-snapshots', {
      params: { path: { dropId: t.dropId } },
      body: { rows },
    }),
  );
const postEvents = (rows: Schemas['InventoryEventRow'][], key: string | null) =>
  answer(app.client(key).POST('/v1/inventory-events', { body: { rows } }));
const signalSummary = (
  t: SignalsTenant,
  query: NonNullable<operations['getSignalSummary']['parameters']['query']> = {},
  key?: string,
) =>
  answer(app.client(key).GET('/v1/drops/{dropId}/signal-summary', { params: { path: { dropId: t.dropId }, query } }));

describe('social signals and token holders', () => {
  it('imports social readings idempotently and summarises them by their own timestamps', async () => {
    const first = await postSocial(mine, socialRows(mine), mine.keys.creator);
    expect(first.status, first.text).toBe(200);
    expect(first.data).toEqual({ rows: 3, created: 3, updated: 0, unchanged: 0 });
    expect((await postSocial(mine, socialRows(mine), mine.keys.creator)).data).toMatchObject({
      created: 0,
      unchanged: 3,
    });
    const summary = await signalSummary(mine, { bucket: 'day' }, mine.keys.creator);
    expect(summary.status, summary.text).toBe(200);
    const region = summary.data!.regions.find((r) => r.region_id === mine.regionIds[0])!;
    // The late, out-of-order reading (19th, sent after the 20th) does not become the latest.
    expect(region.social).toEqual([
      {
        channel: 'tiktok',
        metric: 'views',
        observations: 2,
        sum: 2100,
        last_value: 1200,
        last_observed_at: '2026-11-20T10:00:00.000Z',
      },
    ]);
    expect(region.series.map((b) => b.bucket_start)).toEqual(['2026-11-19T00:00:00.000Z', '2026-11-20T00:00:00.000Z']);
  });

  it('imports social readings as CSV; two readings of one counter at one instant are one reading', async () => {
    const rows = socialRows(mine).map((r) => ({ ...r, observed_at: '2026-11-18T08:00:00Z' }));
    const res = await postCsv(app, `/v1/drops/${mine.dropId}/social-signals`, rows, mine.keys.creator);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ rows: 3, created: 2, updated: 0, unchanged: 1 });
  });

  it('refuses an unknown channel naming the row', async () => {
    // A channel the contract does not have: sent raw.
    const rows = [...socialRows(mine), { ...socialRows(mine)[0], channel: 'myspace' }];
    const res = await app.rawRequest('POST', `/v1/drops/${mine.dropId}/social-signals`, {
      key: mine.keys.creator,
      body: { rows },
    });
    expect(res.status).toBe(422);
    expect(problemIn(res).errors?.[0]?.path).toBe('rows[3].channel');
  });

  it('stores token-holder aggregates and reports the latest per region', async () => {
    const path = `/v1/drops/${mine.dropId}/token-holder-snapshots`;
    const rows = [
      { region_id: mine.regionIds[0], holders: 120, tokens: 480.5, observed_at: '2026-11-21T00:00:00Z' },
      { region_id: mine.regionIds[0], holders: 100, tokens: 400, observed_at: '2026-11-20T00:00:00Z' },
    ];
    const res = await postNdjson(app, path, rows, mine.keys.creator);
    expect(res.status, res.text).toBe(200);
    const summary = await signalSummary(mine, {}, mine.keys.creator);
    const region = summary.data!.regions.find((r) => r.region_id === mine.regionIds[0])!;
    expect(region.token_holders).toEqual({ holders: 120, tokens: 480.5, observed_at: '2026-11-21T00:00:00.000Z' });
  });

  it('refuses a token-holder payload that carries wallet addresses, and stores nothing of it', async () => {
    const path = `/v1/drops/${mine.dropId}/token-holder-snapshots`;
    const observed = '2026-11-15T00:00:00Z';
    const rows = [
      { region_id: mine.regionIds[1], holders: 2, tokens: 2, observed_at: observed },
      {
        region_id: mine.regionIds[1],
        holders: 2,
        tokens: 2,
        observed_at: '2026-11-15T01:00:00Z',
        wallets: ['0x52908400098527886E0F7030069857D2E4169EE7'],
      },
    ];
    // Wallet addresses are a member the contract does not have: sent raw.
    const res = await app.rawRequest('POST', path, { key: mine.keys.creator, body: { rows } });
    expect(res.status).toBe(422);
    expect(problemIn(res).errors).toEqual([
      { path: 'rows[1].wallets', message: 'wallet data is not accepted: send holder and token counts per region only' },
    ]);
    const summary = await signalSummary(mine, {
      region_id: mine.regionIds[1]!,
      from: '2026-11-15T00:00:00Z',
      to: '2026-11-16T00:00:00Z',
    });
    expect(summary.data?.regions).toEqual([]);
  });
});

describe('order and inventory events', () => {
  it('imports events idempotently on their ids and sums them per hub and SKU', async () => {
    const events = inventoryEvents(mine, 8);
    const first = await postEvents(events, mine.keys.partner);
    expect(first.status, first.text).toBe(200);
    expect(first.data).toEqual({ rows: 8, created: 8, updated: 0, unchanged: 0 });
    const again = await postEvents([...events, { ...events[0]!, quantity: 999 }], mine.keys.partner);
    expect(again.data).toEqual({ rows: 9, created: 0, updated: 0, unchanged: 9 });
    const summary = await signalSummary(mine);
    const totals = summary.data!.inventory.find((i) => i.hub_id === mine.hubId);
    expect(totals).toMatchObject({
      sku_id: mine.skuId,
      events: 8,
      received: 1 + 5,
      reserved: 2 + 6,
      released: 3 + 7,
      shipped: 4 + 8,
      adjusted: 0,
      last_occurred_at: new Date(PAST).toISOString(),
    });
  });

  it('accepts a negative adjustment but not a zero or negative receipt', async () => {
    const e = inventoryEvents(mine, 1)[0]!;
    expect((await postEvents([{ ...e, type: 'adjusted', quantity: -3 }], mine.keys.partner)).status).toBe(200);
    const bad = await postEvents(
      [
        { ...e, id: freshId('ev'), quantity: -3 },
        { ...e, id: freshId('ev'), type: 'adjusted', quantity: 0 },
      ],
      mine.keys.partner,
    );
    expect(bad.status).toBe(422);
    expect(bad.error?.errors).toEqual([
      { path: 'rows[0].quantity', message: 'must be a positive integer' },
      { path: 'rows[1].quantity', message: 'must be a non-zero integer' },
    ]);
  });
});

describe('HMAC-signed partner requests', () => {
  let secret: string;
  beforeAll(async () => {
    secret = await rotateSigningSecret(app, mine.partnerId);
  });

  it('accepts a good signature without an API key', async () => {
    const res = await postSigned(app, { partnerId: mine.partnerId, secret, body: toNdjson(inventoryEvents(mine, 3)) });
    expect(res.status, res.text).toBe(200);
    expect((res.body as ImportCounts).created).toBe(3);
  });

  it('accepts a signed CSV body', async () => {
    const events = inventoryEvents(mine, 2);
    const csv = `id,type,hub_id,sku_id,quantity,occurred_at\n${events.map((e) => [e.id, e.type, e.hub_id, e.sku_id, e.quantity, e.occurred_at].join(',')).join('\n')}\n`;
    const res = await postSigned(app, { partnerId: mine.partnerId, secret, body: csv, contentType: 'text/csv' });
    expect(res.status, res.text).toBe(200);
    expect((res.body as ImportCounts).created).toBe(2);
  });

  it('refuses a bad signature and writes nothing', async () => {
    const events = inventoryEvents(mine, 1);
    const body = toNdjson(events);
    const res = await postSigned(app, {
      partnerId: mine.partnerId,
      secret,
      body,
      signature: signBody('not-the-secret', Math.floor(app.clock.now().getTime() / 1000), body),
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: 'unauthorized', reason: 'bad_signature' });
    const replayWithKey = await postEvents(events, mine.keys.partner);
    expect(replayWithKey.data?.created).toBe(1);
  });

  it('refuses a timestamp older than five minutes', async () => {
    const stale = Math.floor(app.clock.now().getTime() / 1000) - 301;
    const res = await postSigned(app, {
      partnerId: mine.partnerId,
      secret,
      body: toNdjson(inventoryEvents(mine, 1)),
      timestamp: stale,
    });
    expect(res.status).toBe(401);
    expect(problemIn(res).reason).toBe('stale_timestamp');
  });

  it("refuses a signature from a partner with no secret, and an event for another partner's hub", async () => {
    const noSecret = await postSigned(app, {
      partnerId: theirs.partnerId,
      secret: 'guess',
      body: toNdjson(inventoryEvents(theirs, 1)),
    });
    expect(noSecret.status).toBe(401);
    const otherHub = await postSigned(app, {
      partnerId: mine.partnerId,
      secret,
      body: toNdjson(inventoryEvents(theirs, 1)),
    });
    expect(otherHub.status).toBe(422);
    expect(problemIn(otherHub).errors![0]).toEqual({
      path: 'rows[0].hub_id',
      message: `unknown hub '${theirs.hubId}'`,
    });
  });

  it('checks the signature when a partner key also signs, and wants a raw body format', async () => {
    const body = toNdjson(inventoryEvents(mine, 1));
    const ts = Math.floor(app.clock.now().getTime() / 1000);
    // A raw NDJSON body with a wrong signature: sent raw.
    const bad = await app.rawRequest('POST', '/v1/inventory-events', {
      key: mine.keys.partner,
      rawBody: body,
      headers: {
        'content-type': 'application/x-ndjson',
        'x-signature-timestamp': String(ts),
        'x-signature': signBody('wrong', ts, body),
      },
    });
    expect(bad.status).toBe(401);
    const json = await postSigned(app, {
      partnerId: mine.partnerId,
      secret,
      body: JSON.stringify({ rows: inventoryEvents(mine, 1) }),
      contentType: 'application/json',
    });
    expect(json.status).toBe(415);
  });

  it('rotating the secret retires the old one at once', async () => {
    const old = secret;
    secret = await rotateSigningSecret(app, mine.partnerId);
    expect(secret).not.toBe(old);
    expect(
      (await postSigned(app, { partnerId: mine.partnerId, secret: old, body: toNdjson(inventoryEvents(mine, 1)) }))
        .status,
    ).toBe(401);
    expect(
      (await postSigned(app, { partnerId: mine.partnerId, secret, body: toNdjson(inventoryEvents(mine, 1)) })).status,
    ).toBe(200);
  });
});

describe('role scopes: other tenants answer 404', () => {
  type Who = 'admin' | 'creator' | 'storefront' | 'partner';
  const keyOf = (who: Who) => (who === 'admin' ? app.adminKey : mine.keys[who]);
  const cases: { name: string; call: (who: Who, t: SignalsTenant) => Promise<{ status: number }>; allowed: Who[] }[] = [
    {
      name: 'pre-order import',
      call: (who, t) =>
        answer(
          app.client(keyOf(who)).POST('/v1/drops/{dropId}/preorders', {
            params: { path: { dropId: t.dropId } },
            body: { rows: preorderRows(t, 1) },
          }),
        ),
      allowed: ['admin', 'storefront'],
    },
    {
      name: 'pre-order read',
      call: (who, t) =>
        answer(
          app.client(keyOf(who)).GET('/v1/drops/{dropId}/preorders/{preorderId}', {
            params: { path: { dropId: t.dropId, preorderId: 'none' } },
          }),
        ),
      allowed: [],
    },
    {
      name: 'social import',
      call: (who, t) => postSocial(t, socialRows(t).slice(0, 1), keyOf(who)),
      allowed: ['admin', 'creator'],
    },
    {
      name: 'token-holder import',
      call: (who, t) =>
        postTokenHolders(t, [{ region_id: t.regionIds[0]!, holders: 1, tokens: 1, observed_at: PAST }], keyOf(who)),
      allowed: ['admin', 'creator'],
    },
    {
      name: 'signal summary',
      call: (who, t) => signalSummary(t, {}, keyOf(who)),
      allowed: ['admin', 'creator'],
    },
    {
      name: 'signing secret',
      call: (who, t) =>
        answer(
          app.client(keyOf(who)).POST('/v1/partners/{partnerId}/signing-secret', {
            params: { path: { partnerId: t.partnerId } },
          }),
        ),
      allowed: ['admin'],
    },
  ];

  it.each(cases)('$name: allowed roles succeed on their own drop, others get 404', async (c) => {
    for (const who of ['admin', 'creator', 'storefront', 'partner'] as Who[]) {
      const res = await c.call(who, mine);
      if (c.allowed.includes(who)) expect(res.status, `${who}`).toBeLessThan(300);
      else expect(res.status, `${who}`).toBe(404);
    }
  });

  it.each(cases.filter((c) => c.allowed.some((w) => w !== 'admin')))(
    "$name: a scoped key gets 404 for another tenant's drop",
    async (c) => {
      for (const who of c.allowed.filter((w) => w !== 'admin'))
        expect((await c.call(who, theirs)).status, who).toBe(404);
    },
  );

  it('inventory events: partners only for their hubs, storefronts only for their SKUs, creators not at all', async () => {
    // A receipt (first row) for the partner and admin; a sale (second row) for the storefront.
    const post = (key: string, t: SignalsTenant, row = 0) => postEvents([inventoryEvents(t, 2)[row]!], key);
    expect((await post(mine.keys.partner, mine)).status).toBe(200);
    expect((await post(mine.keys.partner, theirs)).status).toBe(422);
    expect((await post(mine.keys.storefront, mine, 1)).status).toBe(200);
    const foreignSku = await post(mine.keys.storefront, theirs, 1);
    expect(foreignSku.status).toBe(422);
    expect(foreignSku.error?.errors?.map((e) => e.path)).toEqual(['rows[0].sku_id']);
    expect((await post(mine.keys.creator, mine)).status).toBe(404);
    expect((await post(app.adminKey, theirs)).status).toBe(200);
  });

  it('answers 401 without a key', async () => {
    const preorders = await answer(
      app.client(null).POST('/v1/drops/{dropId}/preorders', {
        params: { path: { dropId: mine.dropId } },
        body: { rows: preorderRows(mine, 1) },
      }),
    );
    expect(preorders.status).toBe(401);
    expect((await postEvents(inventoryEvents(mine, 1), null)).status).toBe(401);
  });
});
