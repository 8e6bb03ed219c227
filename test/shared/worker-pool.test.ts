import { afterAll, describe, expect, it } from 'vitest';
import { createWorkerPool, inProcessWorkerPool, type WorkerPool } from '../../src/shared/worker-pool';
import { planComputer } from '../../src/modules/allocation/plan-worker';
import { randomInstance } from '../modules/allocation/core/allocation-factory';

const TASKS = new URL('./worker-tasks.ts', import.meta.url).href;

describe('worker pool', () => {
  const pools: WorkerPool[] = [];
  afterAll(async () => {
    for (const pool of pools) await pool.close();
  });

  it('runs a task in a thread while this thread stays free to answer', async () => {
    const pool = await createWorkerPool({ threads: 1 });
    pools.push(pool);
    const running = pool.run<number>({ module: TASKS, fn: 'spin', args: [1_500] });
    // The event loop here keeps turning while the worker spins: timers fire on time.
    const lags: number[] = [];
    for (let i = 0; i < 10; i++) {
      const at = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 20));
      lags.push(performance.now() - at - 20);
    }
    expect(await running).toBeGreaterThanOrEqual(1_500);
    expect(Math.max(...lags)).toBeLessThan(500);
  });

  it.runIf(process.platform === 'linux')(
    'runs its threads at a lower CPU priority than the thread serving requests',
    async () => {
      const { getPriority } = await import('node:os');
      const pool = await createWorkerPool({ threads: 1, nice: 7 });
      pools.push(pool);
      const here = getPriority(0);
      expect(await pool.run<number>({ module: TASKS, fn: 'threadNice', args: [] })).toBe(Math.min(19, here + 7));
      // Only the worker thread yields: the serving thread keeps its priority.
      expect(getPriority(0)).toBe(here);
    },
  );

  it('computes the same plan in a thread as on the calling thread', async () => {
    const pool = await createWorkerPool({ threads: 1 });
    pools.push(pool);
    const input = randomInstance(7, { skus: 6, hubs: 3, regionsPerHub: 4, scenarios: 50, overlapping: true });
    const inThread = await planComputer(pool).plan(input, { solver: 'auto' });
    const here = await planComputer(inProcessWorkerPool()).plan(input, { solver: 'auto' });
    expect(inThread.allocations).toEqual(here.allocations);
    expect(inThread.totals).toEqual(here.totals);
  });

  it('close() stops a running computation at once and refuses later work with 503', async () => {
    const pool = await createWorkerPool({ threads: 1 });
    const running = pool.run({ module: TASKS, fn: 'spin', args: [60_000] });
    const failed = running.then(
      () => undefined,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    await pool.close();
    const error = await failed;
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ code: 'unavailable', status: 503 });
    await expect(pool.run({ module: TASKS, fn: 'echo', args: [1] })).rejects.toMatchObject({ code: 'unavailable' });
  });
});
