import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobQueue } from '../../../src/jobs/queue';
import { createServices, type Services } from '../../../src/services';
import { createLogger } from '../../../src/shared/logger';
import { createKey, createTenant, type Tenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { answer } from '../../harness/answers';

/**
 * The reconciliation of the stock ledger: held and confirmed recomputed from the holds, drift
 * reported (a log line and metrics) and repaired; at start, on its schedule, and never "repairing"
 * a ledger that is right while holds come and go.
 */
let app: TestApp;
let t: Tenant;
let storefront: string;
const logLines: Record<string, unknown>[] = [];
const logger = createLogger(
  'info',
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  }),
);

beforeAll(async () => {
  app = await startTestApp();
  t = await createTenant(app);
  storefront = await createKey(app, { role: 'storefront', creator_id: t.creatorId });
  await publishPlanWithAllocations(app.database.db, t.dropId, [{ skuId: t.skuId, hubId: t.hubId, units: 40 }]);
  await eventually(() => app.services.snapshots.current().skus.get(t.skuId)?.publishedPlanId != null);
});
afterAll(() => app.close());

/** A replica of the service on the same database, logging into `logLines`. */
function replica(): Services {
  return createServices({ db: app.database.db, config: app.services.config, logger, clock: app.clock });
}

const hold = (quantity: number) =>
  answer(app.client(storefront).POST('/v1/holds', { body: { sku_id: t.skuId, region_id: t.regionIds[0]!, quantity } }));

async function counters() {
  const { rows } = await app.database.db.query<{ held: number; confirmed: number; active: number; done: number }>(
    `select s.held, s.confirmed,
       (select coalesce(sum(quantity), 0)::int from reservation_holds h
        where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'held') as active,
       (select coalesce(sum(quantity), 0)::int from reservation_holds h
        where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'confirmed') as done
     from hub_stock s where s.hub_id = $1 and s.sku_id = $2`,
    [t.hubId, t.skuId],
  );
  return rows[0]!;
}

const corrupt = (held: number, confirmed: number) =>
  app.database.db.query('update hub_stock set held = $3, confirmed = $4 where hub_id = $1 and sku_id = $2', [
    t.hubId,
    t.skuId,
    held,
    confirmed,
  ]);

describe('reconciling the stock ledger', () => {
  it('reports drift in a log line and the metrics, and repairs it from the holds', async () => {
    const a = (await hold(3)).data!;
    await hold(2);
    await answer(app.client(storefront).POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: a.id } } }));
    expect(await counters()).toEqual({ held: 2, confirmed: 3, active: 2, done: 3 });
    await corrupt(20, 0);

    const services = replica();
    const report = await services.delivery.reconcileLedger();
    expect(report.repaired).toEqual([
      { hub_id: t.hubId, sku_id: t.skuId, held_before: 20, held_after: 2, confirmed_before: 0, confirmed_after: 3 },
    ]);
    expect(await counters()).toEqual({ held: 2, confirmed: 3, active: 2, done: 3 });
    expect(logLines).toContainEqual(
      expect.objectContaining({
        level: 40,
        msg: 'stock ledger drift repaired: counters set from the holds',
        hub_id: t.hubId,
        held_before: 20,
        held_after: 2,
      }),
    );
    const metrics = await services.metricsRegistry.metrics();
    expect(metrics).toMatch(/^stock_ledger_drift_rows 1$/m);
    expect(metrics).toMatch(/^stock_ledger_repaired_units_total 21$/m);
    // A second pass finds nothing left to repair.
    expect((await services.delivery.reconcileLedger()).repaired).toEqual([]);
    expect(await services.metricsRegistry.metrics()).toMatch(/^stock_ledger_drift_rows 0$/m);
    await services.stop();
  });

  it('serves the ledger metrics at /metrics', async () => {
    await app.services.delivery.reconcileLedger();
    const res = await fetch(`${app.baseUrl}/metrics`);
    const text = await res.text();
    expect(text).toMatch(/^stock_ledger_drift_rows \d+$/m);
    expect(text).toContain('stock_ledger_last_reconciliation_timestamp_seconds');
    expect(text).toContain('http_request_duration_seconds');
  });

  it('repairs at start and on its schedule', async () => {
    await corrupt(0, 7);
    const atStart = replica();
    await atStart.start();
    expect(await counters()).toMatchObject({ held: 2, confirmed: 3 });
    await atStart.stop();

    await corrupt(9, 9);
    const scheduled = replica();
    expect(scheduled.jobs.map((j) => j.id)).toContain('delivery.reconcile-ledger');
    const queue = createJobQueue(app.database.db, scheduled.jobs, logger, { workers: false });
    expect(await queue.runOnce('delivery.reconcile-ledger')).toBe(true);
    await queue.stop();
    expect(await counters()).toMatchObject({ held: 2, confirmed: 3 });
    await scheduled.stop();
  });

  it('finds nothing to repair while holds are placed, confirmed and released around it', async () => {
    const services = replica();
    const traffic = Array.from({ length: 30 }, async (_, i) => {
      const placed = await hold(1 + (i % 2));
      if (placed.status !== 201) return;
      const verb = i % 3 === 0 ? 'confirm' : 'release';
      await app
        .client(storefront)
        .POST(`/v1/holds/{holdId}/${verb}`, { params: { path: { holdId: placed.data!.id } } });
    });
    const passes = Array.from({ length: 10 }, () => services.delivery.reconcileLedger());
    const reports = await Promise.all(passes);
    await Promise.all(traffic);
    expect(reports.flatMap((r) => r.repaired)).toEqual([]);
    const after = await counters();
    expect(after.held).toBe(after.active);
    expect(after.confirmed).toBe(after.done);
    await services.stop();
  });
});
