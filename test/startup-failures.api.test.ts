import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** A start that cannot serve fails loudly: non-zero exit, a message naming the port, nothing started. */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-start-fail-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

describe('npm start when the port is taken', () => {
  it('exits non-zero naming the port, without printing the banner or running jobs', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env: {
          ...process.env,
          PORT: String(port),
          DATA_DIR: dataDir,
          LOG_LEVEL: 'info',
          SCHEDULER: 'on',
          DATABASE_URL: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`still running after 90 s:\n${stdout}\n${stderr}`));
        }, 90_000);
        child.on('exit', (exitCode) => {
          clearTimeout(timer);
          resolve(exitCode);
        });
      });
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      expect(stderr).toContain(`port ${port} is already in use`);
      expect(stdout).not.toMatch(/is up/);
      expect(stdout).not.toMatch(/job ran/);
    } finally {
      blocker.close();
    }
  });
});
