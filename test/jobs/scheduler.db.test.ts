import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advisoryLockKey, createScheduler, runExclusively, type Job } from '../../src/jobs/scheduler';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, type TestDatabase } from '../harness/test-database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('scheduled jobs', () => {
  it('gives each job id a stable lock key', () => {
    expect(advisoryLockKey('forecast.refresh')).toBe(advisoryLockKey('forecast.refresh'));
    expect(advisoryLockKey('forecast.refresh')).not.toBe(advisoryLockKey('forecast.retrain'));
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)('lets one replica run a tick while another holds the lock', async () => {
    // Two pool connections stand in for two replicas: the second attempt finds the lock taken.
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const first = runExclusively(database.db, 42, async () => {
      entered();
      await holding;
    });
    await inside;
    expect(await runExclusively(database.db, 42, async () => undefined)).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(await runExclusively(database.db, 42, async () => undefined)).toBe(true);
  });

  it('runs a job on demand and survives a failing one', async () => {
    let runs = 0;
    const jobs: Job[] = [
      { id: 'count', schedule: '0 0 1 1 *', run: async () => void runs++ },
      { id: 'fail', schedule: '0 0 1 1 *', run: async () => Promise.reject(new Error('boom')) },
    ];
    const scheduler = createScheduler(database.db, jobs, createLogger('silent'));
    expect(await scheduler.runOnce('count')).toBe(true);
    expect(await scheduler.runOnce('fail')).toBe(false);
    expect(runs).toBe(1);
    await scheduler.stop();
  });
});
