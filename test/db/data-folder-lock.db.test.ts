import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFolderLockedError, lockDataFolder, lockFileOf } from '../../src/db/data-folder-lock';
import { openDatabase } from '../../src/db/open-database';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-lock-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the embedded data folder lock', () => {
  it('lets one opener in and refuses a second, naming the holder; released on close', async () => {
    const dataDir = path.join(root, 'a');
    const db = await openDatabase({ databaseUrl: undefined, dataDir });
    const holder = JSON.parse(fs.readFileSync(lockFileOf(dataDir), 'utf8'));
    expect(holder.pid).toBe(process.pid);
    const second = await openDatabase({ databaseUrl: undefined, dataDir }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(DataFolderLockedError);
    expect((second as Error).message).toContain(`process ${process.pid}`);
    await db.close();
    expect(fs.existsSync(lockFileOf(dataDir))).toBe(false);
    const again = await openDatabase({ databaseUrl: undefined, dataDir });
    await again.close();
  });

  it('takes over the lock of a process that is gone', () => {
    const dataDir = path.join(root, 'b');
    // A pid that surely is not alive: a child that has already exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;
    fs.writeFileSync(lockFileOf(dataDir), JSON.stringify({ pid: dead, command: 'gone', started_at: '2020-01-01' }));
    const release = lockDataFolder(dataDir, 'test');
    expect(JSON.parse(fs.readFileSync(lockFileOf(dataDir), 'utf8'))).toMatchObject({
      pid: process.pid,
      command: 'test',
    });
    release();
  });
});
