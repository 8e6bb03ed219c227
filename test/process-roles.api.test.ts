import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverUrl, type TestDatabase } from './harness/test-database';

/**
 * Process roles (`ROLE=api|worker|all`): `npm start` as a child process. An unknown role stops the
 * start with exit 78 naming the variable; on PostgreSQL, a worker serves health and metrics only,
 * an API replica serves the API without running scheduled jobs.
 */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-roles-'));
const children: ChildProcessWithoutNullStreams[] = [];
let database: TestDatabase | undefined;
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await database?.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info', DEMO_DATA: 'false', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  /** The base URL from the banner, once the service is up. */
  const up = async (): Promise<string> => {
    const started = Date.now();
    while (Date.now() - started < 90_000) {
      const match = /(http:\/\/[\d.]+:\d+)\/(readyz|v1)/.exec(stdout);
      if (match) return match[1]!;
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${stdout}\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`not up after 90 s:\n${stdout}\n${stderr}`);
  };
  return { child, exited, up, output: () => ({ stdout, stderr }) };
}

describe('ROLE', () => {
  it('exits 78 naming the variable when ROLE has another value', async () => {
    const run = start({ ROLE: 'scheduler', DATABASE_URL: '' });
    expect(await run.exited).toBe(78);
    expect(run.output().stderr).toMatch(/ROLE/);
    expect(run.output().stderr).toMatch(/scheduler/);
    expect(run.output().stdout).not.toMatch(/is up/);
  });

  it('exits 78 when ROLE=api is asked of the embedded database (a single-process database)', async () => {
    const run = start({ ROLE: 'api', DATABASE_URL: '' });
    expect(await run.exited).toBe(78);
    expect(run.output().stderr).toMatch(/ROLE: api .*DATABASE_URL/);
  });

  it.skipIf(!serverUrl)(
    'on PostgreSQL: a worker answers health and metrics only; an API replica serves the API and runs no jobs',
    async () => {
      database = await createTestDatabase();
      const worker = start({ ROLE: 'worker', DATABASE_URL: database.url!, SCHEDULER: 'on', LOG_LEVEL: 'debug' });
      const workerBase = await worker.up();
      expect((await fetch(`${workerBase}/healthz`)).status).toBe(200);
      expect((await fetch(`${workerBase}/readyz`)).status).toBe(200);
      expect((await fetch(`${workerBase}/metrics`)).status).toBe(200);
      const notHere = await fetch(`${workerBase}/v1/drops`);
      expect(notHere.status).toBe(404);
      expect(notHere.headers.get('content-type')).toMatch(/problem\+json/);
      // The worker made the first admin key and printed it; the API replica uses it.
      const adminKey = /Admin API key[^\n]*\n\s+(\S+)/.exec(worker.output().stdout)?.[1];
      expect(adminKey).toBeTruthy();

      const api = start({ ROLE: 'api', DATABASE_URL: database.url!, SCHEDULER: 'on', LOG_LEVEL: 'debug' });
      const apiBase = await api.up();
      const drops = await fetch(`${apiBase}/v1/drops`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(drops.status).toBe(200);
      expect(api.output().stdout).not.toMatch(/Admin API key \(created now/);
      // Jobs run every few seconds where the scheduler runs: give it time, then look at the logs.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(api.output().stdout).not.toMatch(/"job"/);
      expect(worker.output().stdout).toMatch(/"job"/);
    },
    120_000,
  );
});
