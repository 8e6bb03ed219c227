import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createJobQueue } from '../../src/jobs/queue';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, serverUrl, type TestDatabase } from '../harness/test-database';

/**
 * The job queue across real processes on one PostgreSQL: two API replicas and one worker, then two
 * workers. Every tick runs exactly once (counted in a table), API replicas run none, and a worker
 * killed (SIGKILL) mid-job has its job retried by the other worker.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-queue-'));
const children: ChildProcessWithoutNullStreams[] = [];
let database: TestDatabase | undefined;
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await database?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function start(entry: string, env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'debug', DEMO_DATA: 'false', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const up = async (): Promise<void> => {
    const started = Date.now();
    while (Date.now() - started < 90_000) {
      if (/(http:\/\/[\d.]+:\d+)\/(readyz|v1)/.test(stdout)) return;
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${stdout}\n${stderr}`);
      await sleep(100);
    }
    throw new Error(`not up after 90 s:\n${stdout}\n${stderr}`);
  };
  return { child, up, output: () => ({ stdout, stderr }) };
}

const worker = () =>
  start('test/harness/queue-probe-process.ts', {
    ROLE: 'worker',
    DATABASE_URL: database!.url!,
    PROBE_SLOW_MS: '12000',
  });
const api = () => start('src/main.ts', { ROLE: 'api', DATABASE_URL: database!.url! });

describe.skipIf(!serverUrl)('the job queue across processes (PostgreSQL)', () => {
  it('runs every tick exactly once with two API replicas and one worker, then two workers; a killed worker’s job is retried by the other', async () => {
    database = await createTestDatabase();
    const { db } = database;
    await db.exec(`create table probe_runs (job text not null, run_id text not null, attempt int not null,
      pid int not null, phase text not null, at timestamptz not null default now())`);
    const first = worker();
    await first.up();
    const apis = [api(), api()];
    await Promise.all(apis.map((replica) => replica.up()));
    await sleep(10_000);
    const second = worker();
    await second.up();
    await sleep(12_000);

    // Exactly once: no tick ran twice, and every tick pg-boss completed ran (one row each).
    const { rows: twice } = await db.query(
      `select run_id, count(*)::int as n from probe_runs where job = 'probe.tick' group by run_id having count(*) > 1`,
    );
    expect(twice).toEqual([]);
    const { rows: ticks } = await db.query<{ completed: number; recorded: number; pids: number }>(
      `select (select count(*)::int from pgboss.job where name = 'probe.tick' and state = 'completed') as completed,
              (select count(*)::int from probe_runs r join pgboss.job j on j.id::text = r.run_id
                where j.name = 'probe.tick' and j.state = 'completed') as recorded,
              (select count(distinct pid)::int from probe_runs where job = 'probe.tick') as pids`,
    );
    expect(ticks[0]!.completed).toBeGreaterThanOrEqual(8);
    expect(ticks[0]!.recorded).toBe(ticks[0]!.completed);
    // Both workers took ticks once the second joined; API replicas run no jobs.
    expect(ticks[0]!.pids).toBe(2);
    for (const replica of apis) expect(replica.output().stdout).not.toMatch(/"job":"/);
    expect(first.output().stdout).toMatch(/"job":"delivery.expire-holds"|"job":"probe.tick"/);

    // A slow job: whichever worker takes it is killed mid-job; the other runs it again.
    const client = createJobQueue(db, [], createLogger('silent'), { workers: false });
    await client.start();
    const sent = await client.boss.send('probe.slow', null);
    let started: { pid: number } | undefined;
    for (let i = 0; i < 100 && !started; i++) {
      await sleep(200);
      started = (await db.query<{ pid: number }>(`select pid from probe_runs where run_id = $1`, [sent])).rows[0];
    }
    expect(started).toBeDefined();
    const [victim, survivor] = started!.pid === first.child.pid ? [first, second] : [second, first];
    victim.child.kill('SIGKILL');
    // The retry waits for the dead worker's heartbeat to lapse, then for the survivor's next fetch;
    // on a loaded CI machine that took over a minute once, so the wait allows three.
    let finished: { pid: number; attempt: number } | undefined;
    for (let i = 0; i < 360 && !finished; i++) {
      await sleep(500);
      finished = (
        await db.query<{ pid: number; attempt: number }>(
          `select pid, attempt from probe_runs where run_id = $1 and phase = 'done'`,
          [sent],
        )
      ).rows[0];
    }
    expect(finished).toEqual({ pid: survivor.child.pid, attempt: 1 });
    const { rows: runs } = await db.query(`select pid, attempt, phase from probe_runs where run_id = $1 order by at`, [
      sent,
    ]);
    expect(runs).toEqual([
      { pid: victim.child.pid, attempt: 0, phase: 'started' },
      { pid: survivor.child.pid, attempt: 1, phase: 'started' },
      { pid: survivor.child.pid, attempt: 1, phase: 'done' },
    ]);
    await client.stop();
  }, 300_000);
});
