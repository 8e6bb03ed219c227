import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ok } from '../../../src/client';
import {
  abuseScore,
  QUICK_CYCLE_SECONDS,
  SIGNAL_NAMES,
  VELOCITY_WINDOW_SECONDS,
} from '../../../src/modules/access/core/abuse-score';
import { createKey, createTenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * The signal threshold under bursts of parallel clients, property-based, on PGlite and (with
 * TEST_DATABASE_URL) PostgreSQL. A drop with ample stock gets a random threshold (and maybe a
 * per-drop account limit); bursts of parallel holds from a few accounts, sharing a few devices
 * and addresses, over two regions, hit it one second apart, and some of the granted holds are
 * released between bursts (quick cycles). Then, from the database:
 *
 *   - every granted hold, replayed in the order its claim was granted (the claim's `seq`, taken
 *     under the account's and fingerprints' locks), scored with the state before it plus itself,
 *     is at or below the threshold: no hold went to an account that was above it, however the
 *     burst interleaved;
 *   - every refusal is 403 account_limited naming a signal (or a limit), or 409 for stock;
 *   - no account is over the per-drop limit.
 *
 * Without the locks of lock_account_signals, parallel holds of one account each see the others
 * uncommitted and the velocity replay fails within a few cases.
 */
const RUNS = Number(process.env.ABUSE_PROPERTY_RUNS ?? 6);
const START = Date.parse('2026-12-03T18:00:00.000Z');

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ now: '2026-12-03T18:00:00.000Z' });
});
afterAll(() => app.close());

const request = fc.record({
  account: fc.nat({ max: 5 }),
  device: fc.option(fc.nat({ max: 3 }), { nil: null }),
  address: fc.option(fc.nat({ max: 2 }), { nil: null }),
  region: fc.nat({ max: 1 }),
  quantity: fc.integer({ min: 1, max: 2 }),
  release: fc.boolean(),
});
const scenario = fc.record({
  threshold: fc.constantFrom(1, 2, 3.5),
  perDrop: fc.option(fc.integer({ min: 3, max: 8 }), { nil: null }),
  bursts: fc.array(fc.array(request, { minLength: 10, maxLength: 30 }), { minLength: 1, maxLength: 3 }),
});

let refusedForSignals = 0;

type Request = typeof request extends fc.Arbitrary<infer R> ? R : never;

describe('the signal threshold under parallel holds', () => {
  it('never grants a hold that puts its account above the threshold, nor one past a limit', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        app.clock.set(new Date(START).toISOString());
        const t = await createTenant(app);
        await publishPlanWithAllocations(app.database.db, t.dropId, [{ skuId: t.skuId, hubId: t.hubId, units: 500 }]);
        await eventually(() => app.services.snapshots.current().skus.get(t.skuId)?.publishedPlanId != null, 10_000);
        await ok(
          app.client().PUT('/v1/drops/{dropId}/access', {
            params: { path: { dropId: t.dropId } },
            body: { tiers: [], abuse_threshold: s.threshold, account_limits: { per_drop: s.perDrop } },
          }),
        );
        const shop = app.client(await createKey(app, { role: 'storefront', creator_id: t.creatorId }));
        const requestOf = new Map<string, Request>();
        for (const [k, burst] of s.bursts.entries()) {
          app.clock.set(new Date(START + k * 1000).toISOString());
          const answers = await Promise.all(
            burst.map(async (r) => {
              const res = await shop.POST('/v1/holds', {
                body: {
                  sku_id: t.skuId,
                  region_id: t.regionIds[r.region]!,
                  quantity: r.quantity,
                  hold_seconds: 900,
                  account_id: `acct-${r.account}`,
                  ...(r.device === null ? {} : { device_hash: `device-${r.device}` }),
                  ...(r.address === null ? {} : { address_hash: `address-${r.address}` }),
                },
              });
              if (res.response.status === 201) return { r, hold: res.data! };
              expect(res.response.status, JSON.stringify(res.error)).toBe(403);
              const problem = res.error as Record<string, unknown>;
              expect(problem.code).toBe('account_limited');
              expect([...SIGNAL_NAMES, 'drop_limit', 'sku_limit']).toContain(problem.reason);
              if (SIGNAL_NAMES.includes(problem.reason as (typeof SIGNAL_NAMES)[number])) refusedForSignals++;
              return { r, hold: undefined };
            }),
          );
          for (const { r, hold } of answers) if (hold) requestOf.set(hold.id, r);
          // Releases come after the burst, at its time: quick cycles for the next burst.
          await Promise.all(
            answers.map(async ({ r, hold }) => {
              if (hold && r.release)
                await ok(shop.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: hold.id } } }));
            }),
          );
        }
        await checkReplay(t.dropId, s.threshold, s.perDrop, requestOf);
      }),
      { numRuns: RUNS },
    );
    // Not vacuous: the bursts did reach the threshold.
    expect(refusedForSignals).toBeGreaterThan(0);
  }, 600_000);
});

async function checkReplay(dropId: string, threshold: number, perDrop: number | null, requestOf: Map<string, Request>) {
  const db = app.database.db;
  const salt = (await db.query<{ salt: string }>('select salt from drop_account_salts where drop_id = $1', [dropId]))
    .rows[0]!.salt;
  const print = (kind: string, value: string) =>
    createHmac('sha256', salt).update(`${kind}\u0000${value}`).digest('hex');
  const claims = (
    await db.query<{
      seq: string;
      hold_id: string;
      account_hash: string;
      region_id: string;
      created_at: Date;
      status: string;
      ended_at: Date | null;
      quantity: number;
    }>(
      `select c.seq::text as seq, c.hold_id, c.account_hash, c.region_id, h.created_at, h.status, h.ended_at, c.quantity
       from hold_access_claims c join reservation_holds h on h.id = c.hold_id
       where c.drop_id = $1 order by c.seq`,
      [dropId],
    )
  ).rows.map((c) => ({ ...c, seq: BigInt(c.seq) }));
  const prints = (
    await db.query<{ kind: string; fingerprint: string; account_hash: string; seq: string }>(
      'select kind, fingerprint, account_hash, seq::text as seq from access_account_fingerprints where drop_id = $1',
      [dropId],
    )
  ).rows.map((f) => ({ ...f, seq: BigInt(f.seq) }));
  expect(claims.length).toBe(requestOf.size);

  for (const e of claims) {
    const r = requestOf.get(e.hold_id)!;
    const at = e.created_at.getTime();
    const before = claims.filter((c) => c.account_hash === e.account_hash && c.seq < e.seq);
    const sharing = (kind: 'device' | 'address', own: number | null) => {
      const mine = new Set(
        prints
          .filter((f) => f.kind === kind && f.account_hash === e.account_hash && f.seq < e.seq)
          .map((f) => f.fingerprint),
      );
      if (own !== null) mine.add(print(kind, `${kind}-${own}`));
      let most = 0;
      for (const fp of mine) {
        const accounts = new Set(
          prints.filter((f) => f.kind === kind && f.fingerprint === fp && f.seq < e.seq).map((f) => f.account_hash),
        );
        accounts.add(e.account_hash);
        most = Math.max(most, accounts.size);
      }
      return most;
    };
    const counts = {
      quick_cycles: before.filter(
        (c) =>
          c.status === 'released' &&
          c.ended_at !== null &&
          c.ended_at.getTime() < at &&
          c.ended_at.getTime() - c.created_at.getTime() <= QUICK_CYCLE_SECONDS * 1000,
      ).length,
      many_regions: new Set([...before.map((c) => c.region_id), e.region_id]).size,
      shared_device: sharing('device', r.device),
      shared_address: sharing('address', r.address),
      inhuman_velocity: before.filter((c) => c.created_at.getTime() >= at - VELOCITY_WINDOW_SECONDS * 1000).length + 1,
    };
    const { score } = abuseScore(counts);
    expect(score, `${e.hold_id} ${JSON.stringify(counts)}`).toBeLessThanOrEqual(threshold);
  }
  if (perDrop !== null) {
    const units = new Map<string, number>();
    for (const c of claims)
      if (c.status === 'held' || c.status === 'confirmed')
        units.set(c.account_hash, (units.get(c.account_hash) ?? 0) + c.quantity);
    for (const n of units.values()) expect(n).toBeLessThanOrEqual(perDrop);
  }
}
