import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedLargeDrop, type LargeDrop } from '../../../src/bench/large-drop';
import type { Database, Queryable } from '../../../src/db/database';
import { createAllocationService } from '../../../src/modules/allocation/allocation.service';
import { createWorkerPool } from '../../../src/shared/worker-pool';
import { createTenant } from '../../factories/catalog-factory';
import { answer } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { serverUrl } from '../../harness/test-database';

/**
 * Where a plan's reads and writes run. On PostgreSQL a worker thread computes the plan whole on a
 * connection of its own: it reads the forecast and the catalog, writes the plan's rows (tens of
 * thousands for a large drop) and serialises the inline answer, so the thread that serves
 * estimates and holds neither parses the inputs nor writes the rows nor stringifies the answer.
 * The test records every statement sent through the serving thread's database while a plan is
 * computed: before, the forecast's cells and all of the plan's rows went through it. On the
 * embedded PGlite (it lives in the serving thread) they still do, by design.
 */
const statements: { text: string; params: readonly unknown[] }[] = [];

/** The serving thread's database, recording each statement it sends (transactions included). */
function recording(db: Database): Database {
  const record = (q: Queryable): Queryable => ({
    query(text, params) {
      statements.push({ text, params: params ?? [] });
      return q.query(text, params);
    },
    ...(q.copyFrom
      ? {
          copyFrom(text: string, pieces: readonly string[]) {
            statements.push({ text, params: [] });
            return q.copyFrom!(text, pieces);
          },
        }
      : {}),
  });
  return { ...db, ...record(db), transaction: (work) => db.transaction((tx) => work(record(tx))) };
}

/**
 * Statements of the plan's own work: its forecast's cells read, its rows written, or read back
 * (anything about its id). Other background reads (the estimate snapshot's) are not counted.
 */
const planWork = (planId: string) =>
  statements.filter(
    ({ text, params }) => /forecast_cells/i.test(text) || /insert\s+into\s+plan/i.test(text) || params.includes(planId),
  );

let app: TestApp;
let drop: LargeDrop;

beforeAll(async () => {
  app = await startTestApp({
    workers: await createWorkerPool({ threads: 1 }),
    openDatabase: async (database) => recording(database.db),
  });
  drop = await seedLargeDrop(app.services, { skus: 60, hubs: 4, regions: 12, prefix: 'own' });
}, 300_000);
afterAll(() => app.close());

const computeInline = (whatIf = false) =>
  whatIf
    ? answer(
        app.client().POST('/v1/drops/{dropId}/plans/what-if', {
          params: { path: { dropId: drop.dropId } },
          body: { solver: 'fast', overrides: { demand_multipliers: { drop: 1.3 } } },
        }),
      )
    : answer(
        app
          .client()
          .POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: drop.dropId } }, body: { solver: 'fast' } }),
      );

describe.runIf(serverUrl)('plans on PostgreSQL: a worker thread on its own connection', () => {
  it('sends none of a plan’s reads and writes through the serving thread’s connection', async () => {
    statements.length = 0;
    const res = await computeInline();
    expect(res.status, res.text.slice(0, 300)).toBe(201);
    expect(planWork(res.data!.id)).toEqual([]);
    // The rows are stored all the same, and the inline answer is the stored plan.
    const plan = res.data!;
    expect(plan.regions.length).toBe(60 * 12);
    const stored = await answer(app.client().GET('/v1/plans/{planId}', { params: { path: { planId: plan.id } } }));
    expect(stored.data).toEqual(plan);
  });

  it('does the same for a what-if plan', async () => {
    statements.length = 0;
    const res = await computeInline(true);
    expect(res.status, res.text.slice(0, 300)).toBe(201);
    expect(res.data!.status).toBe('what_if');
    expect(planWork(res.data!.id)).toEqual([]);
  });

  it('stores the same plan as the serving thread’s path (reads and writes here, the maths in process)', async () => {
    const inWorker = (await computeInline()).data!;
    const { catalog, webhooks, pickup } = app.services;
    const here = await createAllocationService(app.database.db, {
      catalog,
      webhooks,
      clock: app.clock,
      pickups: pickup,
    }).computePlan({ keyId: 'test', role: 'admin' }, drop.dropId, { solver: 'fast' });
    const comparable = ({ id: _id, version: _version, ...rest }: typeof here) => rest;
    expect(comparable(inWorker)).toEqual(comparable(here));
    expect(here.version).toBe(inWorker.version + 1);
  });

  it('answers a refusal from the worker as the same problem (422 no_forecast)', async () => {
    const other = await createTenant(app);
    const res = await answer(
      app.client().POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: other.dropId } } }),
    );
    expect(res.status).toBe(422);
    expect(res.error).toMatchObject({ code: 'unprocessable', reason: 'no_forecast' });
  });
});

describe.skipIf(serverUrl)('plans on the embedded database', () => {
  it('reads and writes a plan on the serving thread’s connection (PGlite lives in that thread)', async () => {
    statements.length = 0;
    const res = await computeInline();
    expect(res.status, res.text.slice(0, 300)).toBe(201);
    expect(planWork(res.data!.id).some(({ text }) => /insert\s+into\s+plan_regions/i.test(text))).toBe(true);
  });
});
