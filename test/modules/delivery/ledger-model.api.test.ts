import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, createTenant, type Tenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import type { Schemas } from '../../../src/client';
import { answer, type TypedAnswer } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * The stock ledger, model-based: random sequences of hold requests (create, confirm, release, clock
 * moves past expiries, the sweep, failed requests, retries with an Idempotency-Key, and bursts of
 * parallel clients) against the service over HTTP, on PGlite and on PostgreSQL (where bursts may
 * also have their database connections terminated under them). After every step:
 *
 *   held      = Σ quantity of the active holds (status held) of the hub and SKU
 *   confirmed = Σ quantity of the confirmed holds
 *   available = on_hand + inbound − reserved − held ≥ 0          (never oversold)
 *
 * and the service's answers agree with a model of what each request must do.
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const RUNS = Number(process.env.LEDGER_PROPERTY_RUNS ?? 10);
const T0 = Date.parse('2026-11-23T12:00:00Z');

type Status = 'held' | 'confirmed' | 'released' | 'expired';
interface ModelHold {
  id: string;
  quantity: number;
  status: Status;
  expiresAt: number;
}
interface SentCreate {
  key: string;
  body: Schemas['HoldInput'];
  status: number;
  text: string;
}
interface Model {
  supply: number;
  now: number;
  holds: ModelHold[];
  creates: SentCreate[];
}
interface Real {
  tenant: Tenant;
  key: string;
}

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: new Date(T0).toISOString() });
});
afterAll(() => app.close());

// ---------------------------------------------------------------------------------------------
// What the model expects

/** Units a new hold may take: place_hold ends the overdue holds of the hub and SKU first. */
function available(m: Model): number {
  let taken = 0;
  for (const h of m.holds) {
    if (h.status === 'confirmed' || (h.status === 'held' && h.expiresAt > m.now)) taken += h.quantity;
  }
  return m.supply - taken;
}
function expireOverdue(m: Model): void {
  for (const h of m.holds) if (h.status === 'held' && h.expiresAt <= m.now) h.status = 'expired';
}
const sum = (m: Model, status: Status) =>
  m.holds.filter((h) => h.status === status).reduce((a, h) => a + h.quantity, 0);

// ---------------------------------------------------------------------------------------------
// Talking to the service

type HoldAnswer = TypedAnswer<Schemas['Hold']>;
type Call = Promise<{ data?: Schemas['Hold']; error?: unknown; response: Response }>;

/** A request; a 5xx (a connection terminated under it) is retried as a client would, with the same key. */
async function send(call: () => Call): Promise<HoldAnswer> {
  for (let attempt = 0; ; attempt++) {
    const res = await answer(call());
    const inUse = res.status === 409 && res.error?.reason === 'idempotency_key_in_use';
    if ((res.status < 500 && !inUse) || attempt >= 20) return res;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** POST /v1/holds as the storefront, with an Idempotency-Key when given. */
const createHold = (r: Real, body: Schemas['HoldInput'], idempotencyKey?: string) =>
  send(() =>
    app.client(r.key).POST('/v1/holds', {
      params: { header: idempotencyKey === undefined ? undefined : { 'Idempotency-Key': idempotencyKey } },
      body,
    }),
  );

/** POST /v1/holds/{holdId}/confirm or /release as the storefront. */
const endHold = (r: Real, holdId: string, verb: 'confirm' | 'release') =>
  send(() =>
    verb === 'confirm'
      ? app.client(r.key).POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId } } })
      : app.client(r.key).POST('/v1/holds/{holdId}/release', { params: { path: { holdId } } }),
  );

async function query<Row>(text: string, params: unknown[]): Promise<Row[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await app.database.db.query<Row>(text, params)).rows;
    } catch (error) {
      // A pooled connection terminated by the burst before the pool noticed: ask again.
      if (attempt >= 5) throw error;
    }
  }
}

async function checkLedger(r: Real, m: Model): Promise<void> {
  const [row] = await query<{
    held: number;
    confirmed: number;
    available: number;
    active: number;
    confirmed_sum: number;
  }>(
    `select s.held, s.confirmed, hub_stock_available(s) as available,
       (select coalesce(sum(quantity), 0)::int from reservation_holds h
        where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'held') as active,
       (select coalesce(sum(quantity), 0)::int from reservation_holds h
        where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'confirmed') as confirmed_sum
     from hub_stock s where s.hub_id = $1 and s.sku_id = $2`,
    [r.tenant.hubId, r.tenant.skuId],
  );
  expect(row!.held, 'held = Σ active holds').toBe(row!.active);
  expect(row!.confirmed, 'confirmed = Σ confirmed holds').toBe(row!.confirmed_sum);
  expect(row!.available, 'never oversold').toBeGreaterThanOrEqual(0);
  expect(row!.held, 'the model agrees on held').toBe(sum(m, 'held'));
  expect(row!.confirmed, 'the model agrees on confirmed').toBe(sum(m, 'confirmed'));
}

const holdBody = (r: Real, quantity: number, seconds: number): Schemas['HoldInput'] => ({
  sku_id: r.tenant.skuId,
  region_id: r.tenant.regionIds[0]!,
  quantity,
  hold_seconds: seconds,
});

// ---------------------------------------------------------------------------------------------
// Commands

class CreateHold implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly quantity: number,
    readonly seconds: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const expected = available(m);
    const key = randomUUID();
    const body = holdBody(r, this.quantity, this.seconds);
    const res = await createHold(r, body, key);
    expireOverdue(m);
    if (this.quantity <= expected) {
      expect(res.status, res.text).toBe(201);
      m.holds.push({
        id: res.data!.id,
        quantity: this.quantity,
        status: 'held',
        expiresAt: m.now + this.seconds * 1000,
      });
    } else {
      expect(res.status, res.text).toBe(409);
      expect(res.error?.quantity_available).toBe(expected);
    }
    m.creates.push({ key, body, status: res.status, text: res.text });
    await checkLedger(r, m);
  }
  toString = () => `create(${this.quantity}, ${this.seconds}s)`;
}

class EndHold implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly pick: number,
    readonly outcome: 'confirmed' | 'released',
  ) {}
  check = (m: Readonly<Model>) => m.holds.length > 0;
  async run(m: Model, r: Real) {
    const hold = m.holds[this.pick % m.holds.length]!;
    const verb = this.outcome === 'confirmed' ? 'confirm' : 'release';
    const res = await endHold(r, hold.id, verb);
    if (hold.status === 'held') hold.status = hold.expiresAt <= m.now ? 'expired' : this.outcome;
    if (hold.status === this.outcome) {
      expect(res.status, res.text).toBe(200);
      expect(res.data?.status).toBe(this.outcome);
    } else {
      expect(res.status, res.text).toBe(409);
      expect(res.error?.hold_status).toBe(hold.status);
    }
    await checkLedger(r, m);
  }
  toString = () => `${this.outcome === 'confirmed' ? 'confirm' : 'release'}(#${this.pick})`;
}

class AdvanceClock implements fc.AsyncCommand<Model, Real> {
  constructor(readonly seconds: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    m.now += this.seconds * 1000;
    app.clock.set(new Date(m.now));
    await checkLedger(r, m);
  }
  toString = () => `advance(${this.seconds}s)`;
}

class Sweep implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(m: Model, r: Real) {
    await app.services.delivery.expireDueHolds();
    expireOverdue(m);
    await checkLedger(r, m);
  }
  toString = () => 'sweep';
}

/** Requests that must fail and change nothing (beyond the expiries a hold attempt performs). */
class FailedRequest implements fc.AsyncCommand<Model, Real> {
  constructor(readonly kind: 'too_many' | 'bad_quantity' | 'unknown_hold' | 'long_key') {}
  check = () => true;
  async run(m: Model, r: Real) {
    if (this.kind === 'too_many') {
      const expected = available(m);
      const res = await createHold(r, holdBody(r, m.supply + 1, 300));
      expect(res.status).toBe(409);
      expect(res.error?.quantity_available).toBe(expected);
      expireOverdue(m);
    } else if (this.kind === 'bad_quantity') {
      expect((await createHold(r, holdBody(r, 0, 300))).status).toBe(422);
    } else if (this.kind === 'unknown_hold') {
      expect((await endHold(r, `hold_${randomUUID()}`, 'confirm')).status).toBe(404);
    } else {
      const res = await createHold(r, holdBody(r, 1, 300), 'x'.repeat(256));
      expect(res.status).toBe(400);
    }
    await checkLedger(r, m);
  }
  toString = () => `fail(${this.kind})`;
}

/** A storefront retrying an earlier create with the same key and body gets the first answer again. */
class RetryCreate implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = (m: Readonly<Model>) => m.creates.length > 0;
  async run(m: Model, r: Real) {
    const first = m.creates[this.pick % m.creates.length]!;
    const res = await createHold(r, first.body, first.key);
    expect(res.status).toBe(first.status);
    expect(res.text).toBe(first.text);
    expect(res.headers.get('idempotent-replayed')).toBe('true');
    await checkLedger(r, m);
  }
  toString = () => `retry(#${this.pick})`;
}

type BurstOp =
  | { kind: 'create'; quantity: number; seconds: number }
  | { kind: 'end'; pick: number; outcome: 'confirmed' | 'released' };

/** Many storefront clients at once; on PostgreSQL, optionally with the service's connections terminated mid-burst. */
class Burst implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly ops: BurstOp[],
    readonly terminate: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const before = m.holds.map((h) => ({ ...h }));
    const requests = this.ops.map(async (op) => {
      if (op.kind === 'create') {
        const res = await createHold(r, holdBody(r, op.quantity, op.seconds), randomUUID());
        return { op, res };
      }
      if (before.length === 0) return { op, res: undefined };
      const hold = before[op.pick % before.length]!;
      const verb = op.outcome === 'confirmed' ? 'confirm' : 'release';
      return { op, res: await endHold(r, hold.id, verb), hold };
    });
    if (this.terminate && onPostgres) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      await query(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
        [],
      );
    }
    const results = await Promise.all(requests);

    // What each answer says must be what the database holds now.
    const winners = new Map<string, Set<string>>();
    for (const { op, res, hold } of results as { op: BurstOp; res?: HoldAnswer; hold?: ModelHold }[]) {
      if (!res) continue;
      if (op.kind === 'create') {
        expect([201, 409], res.text).toContain(res.status);
        if (res.status === 201)
          m.holds.push({
            id: res.data!.id,
            quantity: op.quantity,
            status: 'held',
            expiresAt: m.now + op.seconds * 1000,
          });
        else expect(res.error?.quantity_available, res.text).toBeGreaterThanOrEqual(0);
      } else {
        expect([200, 409], res.text).toContain(res.status);
        const final = (res.status === 200 ? res.data?.status : res.error?.hold_status) as string;
        winners.set(hold!.id, (winners.get(hold!.id) ?? new Set()).add(final));
      }
    }
    // One hold ends one way: concurrent confirms and releases of it agree on the outcome.
    for (const outcomes of winners.values()) expect(outcomes.size).toBe(1);
    const rows = await query<{ id: string; status: Status }>(
      'select id, status from reservation_holds where id = any($1::text[])',
      [m.holds.map((h) => h.id)],
    );
    const stored = new Map(rows.map((row) => [row.id, row.status]));
    for (const h of m.holds) {
      const now = stored.get(h.id);
      const answered = winners.get(h.id);
      if (answered) expect(now).toBe([...answered][0] === 'held' ? 'held' : [...answered][0]);
      else if (h.status === 'held' && h.expiresAt <= m.now) expect(['held', 'expired']).toContain(now);
      else expect(now).toBe(h.status);
      h.status = now!;
    }
    await checkLedger(r, m);
  }
  toString = () => {
    const ops = this.ops.map((o) => (o.kind === 'create' ? `+${o.quantity}` : `${o.outcome[0]}#${o.pick}`));
    return `burst[${ops.join(' ')}]${this.terminate ? '+terminate' : ''}`;
  };
}

const commands = [
  fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 300, max: 900 })).map(([q, s]) => new CreateHold(q, s)),
  fc.tuple(fc.nat(), fc.constantFrom('confirmed' as const, 'released' as const)).map(([p, o]) => new EndHold(p, o)),
  fc.integer({ min: 1, max: 700 }).map((s) => new AdvanceClock(s)),
  fc.constant(new Sweep()),
  fc
    .constantFrom('too_many' as const, 'bad_quantity' as const, 'unknown_hold' as const, 'long_key' as const)
    .map((k) => new FailedRequest(k)),
  fc.nat().map((p) => new RetryCreate(p)),
  fc
    .tuple(
      fc.array(
        fc.oneof(
          fc.record({
            kind: fc.constant('create' as const),
            quantity: fc.integer({ min: 1, max: 4 }),
            seconds: fc.integer({ min: 300, max: 900 }),
          }),
          fc.record({
            kind: fc.constant('end' as const),
            pick: fc.nat(),
            outcome: fc.constantFrom('confirmed' as const, 'released' as const),
          }),
        ),
        { minLength: 2, maxLength: 12 },
      ),
      fc.boolean(),
    )
    .map(([ops, terminate]) => new Burst(ops, terminate)),
];

describe(`the stock ledger under random hold traffic (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('keeps held = Σ active holds, confirmed = Σ confirmed holds and never oversells, after every step', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 5, max: 30 }),
        fc.commands(commands, { maxCommands: 30 }),
        async (supply, cmds) => {
          const tenant = await createTenant(app);
          const key = await createKey(app, { role: 'storefront', creator_id: tenant.creatorId });
          await publishPlanWithAllocations(app.database.db, tenant.dropId, [
            { skuId: tenant.skuId, hubId: tenant.hubId, units: supply },
          ]);
          await eventually(() => app.services.snapshots.current().skus.get(tenant.skuId)?.publishedPlanId != null);
          app.clock.set(new Date(T0));
          await fc.asyncModelRun(
            () => ({ model: { supply, now: T0, holds: [], creates: [] } as Model, real: { tenant, key } }),
            cmds,
          );
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});
