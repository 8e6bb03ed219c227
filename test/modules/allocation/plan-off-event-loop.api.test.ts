import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedLargeDrop, type LargeDrop } from '../../../src/bench/large-drop';
import { createWorkerPool, type WorkerPool } from '../../../src/shared/worker-pool';
import { createKey } from '../../factories/catalog-factory';
import { rawRequest } from '../../harness/raw-http';
import { answer } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * Computing a plan does not stall the service: the planner runs in a worker thread, so estimates
 * answer while a large plan computes. (Before, the planner ran on the event loop serving requests,
 * and an estimate sent meanwhile waited for the whole computation.) The test records when the
 * worker computes and looks at the estimates sent and answered within that time; the database
 * reads and writes around it are not what this checks (on the embedded database they run on this
 * thread by design).
 */
let app: TestApp;
let workersUnderTest: WorkerPool;
let drop: LargeDrop;
let storefront: string;
const computing: { start: number; end?: number }[] = [];

/** The real pool, recording when each task runs. */
function recorded(pool: WorkerPool): WorkerPool {
  return {
    kind: pool.kind,
    close: () => pool.close(),
    async run(task, options) {
      const window: { start: number; end?: number } = { start: performance.now() };
      computing.push(window);
      try {
        return await pool.run(task, options);
      } finally {
        window.end = performance.now();
      }
    },
  };
}

beforeAll(async () => {
  workersUnderTest = recorded(await createWorkerPool({ threads: 1 }));
  app = await startTestApp({ workers: workersUnderTest });
  drop = await seedLargeDrop(app.services, { skus: 500, hubs: 8, regions: 30, prefix: 'stall' });
  storefront = await createKey(app, { role: 'storefront', creator_id: drop.creatorId });
  // A first plan warms the worker (TypeScript loaded, HiGHS instantiated).
  const warm = await answer(
    app
      .client()
      .POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: drop.dropId } }, body: { solver: 'fast' } }),
  );
  expect(warm.status, warm.text.slice(0, 300)).toBe(201);
}, 300_000);
afterAll(() => app.close());

describe('plan computation off the event loop', () => {
  it('answers estimates promptly while a plan computes', async () => {
    const estimatePath = `/v1/estimates?sku_id=${drop.skuIds[0]}&region_id=${drop.regionIds[0]}`;
    const headers = { authorization: `Bearer ${storefront}` };
    const before = computing.length;
    const plan = answer(
      app
        .client()
        .POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: drop.dropId } }, body: { solver: 'fast' } }),
    );
    let done = false;
    void plan.then(() => (done = true));
    const probes: { sent: number; answered: number }[] = [];
    while (!done) {
      const sent = performance.now();
      const res = await rawRequest(app.baseUrl, { path: estimatePath, headers });
      expect(res.status).toBe(200);
      probes.push({ sent, answered: performance.now() });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect((await plan).status).toBe(201);
    const window = computing[before]!;
    const during = probes
      .filter((p) => p.sent >= window.start && p.answered <= window.end!)
      .map((p) => p.answered - p.sent)
      .sort((a, b) => a - b);
    const seen = `computed ${Math.round(window.end! - window.start)} ms; estimates meanwhile: ${during.map(Math.round).join(' ')} ms`;
    expect(during.length, seen).toBeGreaterThanOrEqual(3);
    // On the event loop, the computation (hundreds of ms to seconds) would have held every one of
    // them; in a worker they answer in milliseconds (bounds loose for a busy machine).
    expect(during[Math.floor(during.length / 2)]!, seen).toBeLessThan(100);
    expect(during[during.length - 1]!, seen).toBeLessThan(1_000);
  });

  it('stops a computation at shutdown: its request answers 503 with Retry-After at once', async () => {
    const before = computing.length;
    const plan = answer(
      app
        .client()
        .POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: drop.dropId } }, body: { solver: 'fast' } }),
    );
    while (computing.length === before) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = performance.now();
    // What SIGTERM does first (src/main.ts): the worker pool is closed, running work terminated.
    await workersUnderTest.close();
    const res = await plan;
    expect(res.status, res.text).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(res.error).toMatchObject({ code: 'unavailable', reason: 'shutting_down' });
    expect(performance.now() - stopping).toBeLessThan(5_000);
  });
});
