import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { advisoryLockKey, createScheduler, runExclusively, type Job } from '../../src/jobs/scheduler';
import { createServices } from '../../src/services';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, type TestDatabase } from '../harness/test-database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('scheduled jobs', () => {
  it('keys a job by the 32-bit FNV-1a hash of its id, so replicas of any version agree on the lock', () => {
    // Published FNV-1a test vectors, as signed 32-bit integers (PostgreSQL's int4 for the lock).
    expect(advisoryLockKey('')).toBe(0x811c9dc5 | 0);
    expect(advisoryLockKey('a')).toBe(0xe40c292c | 0);
    expect(advisoryLockKey('foobar')).toBe(0xbf9cf968 | 0);
  });

  it("gives every one of the service's jobs its own lock key (a shared key would let one job skip another)", () => {
    const config = loadConfig({ LOG_LEVEL: 'silent', DEMO_DATA: 'false', SCHEDULER: 'off' });
    const { jobs } = createServices({ db: database.db, config, logger: createLogger('silent') });
    expect(jobs.length).toBeGreaterThan(5);
    const keys = jobs.map((job) => advisoryLockKey(job.id));
    expect(new Set(jobs.map((job) => job.id)).size).toBe(jobs.length);
    expect(new Set(keys).size).toBe(jobs.length);
    for (const key of keys) expect(key >= -(2 ** 31) && key < 2 ** 31 && Number.isInteger(key)).toBe(true);
  });

  it('never overlaps two runs of one job in a process, while another job runs alongside', async () => {
    let release!: () => void;
    const holding = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const jobs: Job[] = [
      { id: 'slow', schedule: '0 0 1 1 *', run: async () => (entered(), await holding) },
      { id: 'quick', schedule: '0 0 1 1 *', run: async () => undefined },
    ];
    const scheduler = createScheduler(database.db, jobs, createLogger('silent'));
    const first = scheduler.runOnce('slow');
    await inside;
    expect(await scheduler.runOnce('slow')).toBe(false);
    expect(await scheduler.runOnce('quick')).toBe(true);
    release();
    expect(await first).toBe(true);
    expect(await scheduler.runOnce('slow')).toBe(true);
    await scheduler.stop();
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

  it('logs nothing at info for a tick that ran, and one error line for a tick that failed', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line)) });
    const jobs: Job[] = [
      { id: 'quiet', schedule: '0 0 1 1 *', run: async () => undefined },
      { id: 'broken', schedule: '0 0 1 1 *', run: async () => Promise.reject(new Error('boom')) },
    ];
    const scheduler = createScheduler(database.db, jobs, logger);
    expect(await scheduler.runOnce('quiet')).toBe(true);
    expect(lines).toEqual([]);
    expect(await scheduler.runOnce('broken')).toBe(false);
    expect(lines).toMatchObject([{ level: 50, job: 'broken', msg: 'job failed' }]);
    await scheduler.stop();
  });
});
