import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { createJobQueue, DEAD_LETTER_QUEUE, JOB_QUEUE_POLICY, tickSeconds, type Job } from '../../src/jobs/queue';
import { createServices } from '../../src/services';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, type TestDatabase } from '../harness/test-database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const never = '0 0 1 1 *';

describe('the job queue (pg-boss)', () => {
  it('reads a schedule as pg-boss cron, or as an N-second tick, and refuses what neither honours', () => {
    expect(tickSeconds('*/15 * * * *')).toBeNull();
    expect(tickSeconds('15 * * * * *')).toBeNull();
    expect(tickSeconds('0 */10 * * * *')).toBeNull();
    expect(tickSeconds('*/5 * * * * *')).toBe(5);
    expect(tickSeconds('*/30 * * * * *')).toBe(30);
    expect(() => tickSeconds('*/7 * * * * *')).toThrow(/dividing 60/);
    expect(() => tickSeconds('*/5 */2 * * * *')).toThrow(/every other field/);
    expect(() => tickSeconds('0,30 * * * * *')).toThrow(/seconds field/);
  });

  it("accepts every one of the service's jobs: distinct ids that are valid queue names, schedules it honours", () => {
    const config = loadConfig({ LOG_LEVEL: 'silent', DEMO_DATA: 'false', SCHEDULER: 'off' });
    const { jobs } = createServices({ db: database.db, config, logger: createLogger('silent') });
    expect(jobs.length).toBeGreaterThan(5);
    expect(new Set(jobs.map((job) => job.id)).size).toBe(jobs.length);
    for (const job of jobs) expect(job.id).toMatch(/^[\w.\-/]+$/);
    expect(() => createJobQueue(database.db, jobs, createLogger('silent'), { workers: false })).not.toThrow();
    expect(() => createJobQueue(database.db, [jobs[0]!, jobs[0]!], createLogger('silent'), { workers: false })).toThrow(
      /two jobs/,
    );
  });

  it('never overlaps two runs of one job, while another job runs alongside', async () => {
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const jobs: Job[] = [
      { id: 'test.slow', schedule: never, run: async () => (entered(), await holding) },
      { id: 'test.quick', schedule: never, run: async () => undefined },
    ];
    const queue = createJobQueue(database.db, jobs, createLogger('silent'), { workers: false });
    const first = queue.runOnce('test.slow');
    await inside;
    expect(await queue.runOnce('test.slow')).toBe(false);
    expect(await queue.runOnce('test.quick')).toBe(true);
    release();
    expect(await first).toBe(true);
    expect(await queue.runOnce('test.slow')).toBe(true);
    // Nothing left queued by the refused tick.
    expect((await queue.boss.getQueue('test.slow'))?.queuedCount ?? 0).toBe(0);
    await queue.stop();
  });

  it('runs a job on demand and survives a failing one, whose failure is retried with backoff', async () => {
    let runs = 0;
    const jobs: Job[] = [
      { id: 'test.count', schedule: never, run: async () => void runs++ },
      { id: 'test.fail', schedule: never, run: async () => Promise.reject(new Error('boom')) },
    ];
    const queue = createJobQueue(database.db, jobs, createLogger('silent'), { workers: false });
    expect(await queue.runOnce('test.count')).toBe(true);
    expect(await queue.runOnce('test.fail')).toBe(false);
    expect(runs).toBe(1);
    const [failed] = await queue.boss.findJobs('test.fail');
    expect(failed?.state).toBe('retry');
    expect(failed?.retryBackoff).toBe(true);
    expect(failed?.retryLimit).toBe(JOB_QUEUE_POLICY.retryLimit);
    expect(failed?.deadLetter).toBe(DEAD_LETTER_QUEUE);
    await queue.stop();
  });

  it('with workers: runs each N-second tick once, retries a failure, and dead-letters it after the last retry', async () => {
    const runs: number[] = [];
    let attempts = 0;
    const jobs: Job[] = [
      { id: 'test.tick', schedule: '*/1 * * * * *', run: async ({ execution }) => void runs.push(execution.attempt) },
      {
        id: 'test.flaky',
        schedule: never,
        run: async ({ execution }) => {
          attempts = execution.attempt + 1;
          throw new Error('always');
        },
      },
    ];
    const queue = createJobQueue(database.db, jobs, createLogger('silent'), { workers: true, pollSeconds: 0.5 });
    await queue.start();
    await queue.boss.updateQueue('test.flaky', { retryLimit: 1, retryDelay: 1, retryBackoff: false });
    await queue.boss.send('test.flaky', { n: 1 });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const dead = await queue.boss.findJobs(DEAD_LETTER_QUEUE);
      if (runs.length >= 3 && dead.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await queue.stop();
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(attempts).toBe(2);
    const dead = await queue.boss.findJobs(DEAD_LETTER_QUEUE);
    expect(dead.map((job) => job.data)).toEqual([{ n: 1 }]);
    const ticks = await queue.boss.findJobs('test.tick');
    expect(ticks.length).toBe(runs.length + ticks.filter((job) => job.state === 'created').length);
  }, 30_000);
});
