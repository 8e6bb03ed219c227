import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { simulateHistory } from '../../src/modules/forecast/core/simulate-history';
import { dropsToHistoryRows } from '../../src/modules/forecast/history-import';

/**
 * The forecast CLIs as a user runs them (child processes, embedded database in a temp folder):
 * training from the documented import format (defect 1), never touching a tracked file (defect 2),
 * the 20-drop rule, and one process per embedded data folder (defect 7).
 */
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-cli-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const small = { drops: 26, regions: 4, creators: 3, newCreators: 1, spanDays: 240, seed: 17 };
const importFile = path.join(work, 'history.json');
fs.writeFileSync(importFile, JSON.stringify(dropsToHistoryRows(simulateHistory({ ...small, social: false }).drops)));

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  const done = new Promise<{ code: number | null; out: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, out })),
  );
  return { child, done, output: () => out };
}

/** Every tracked artifact a training run could touch: the shipped models and the shipped history. */
function trackedDigest(): string {
  const hash = createHash('sha256');
  for (const dir of ['models', 'data/history']) {
    for (const file of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
      const full = path.join(dir, file);
      if (fs.statSync(full).isFile()) hash.update(file).update(fs.readFileSync(full));
    }
  }
  return hash.digest('hex');
}

describe('npm run train', () => {
  it(
    'trains from a history file in the documented import format into a new folder, touching no tracked file',
    { timeout: 300_000 },
    async () => {
      const before = trackedDigest();
      const trained = path.join(work, 'trained');
      const { code, out } = await run('src/cli/train.ts', ['--history', importFile, '--epochs', '2', '--folds', '1'], {
        DATA_DIR: path.join(work, 'data-a'),
        TRAINED_MODELS_DIR: trained,
      }).done;
      expect(code, out).toBe(0);
      const [modelId, ...others] = fs.readdirSync(trained);
      expect(others).toEqual([]);
      expect(modelId).toMatch(/^nb-mlp-\d{8}T\d{6}Z$/);
      const meta = JSON.parse(fs.readFileSync(path.join(trained, modelId!, 'metadata.json'), 'utf8'));
      // Its own backtest, on its own data: the drops it was trained from, no oracle (not simulated for it).
      expect(meta.training.data).toMatchObject({ source: 'file', ownDrops: 26, withSocial: 0 });
      expect(meta.backtest.testDrops).toBeGreaterThan(0);
      expect(meta.backtest.testDrops).toBeLessThan(26);
      expect(Object.keys(meta.backtest.pooled).sort()).toEqual(['baseline', 'nb-mlp']);
      expect(trackedDigest()).toBe(before);
    },
  );

  it('refuses fewer than 20 drops, naming the count (exit 1)', { timeout: 120_000 }, async () => {
    const few = path.join(work, 'few.json');
    fs.writeFileSync(few, JSON.stringify(dropsToHistoryRows(simulateHistory({ ...small, drops: 12 }).drops)));
    const { code, out } = await run('src/cli/train.ts', ['--history', few], {
      DATA_DIR: path.join(work, 'data-b'),
      TRAINED_MODELS_DIR: path.join(work, 'trained-b'),
    }).done;
    expect(code).toBe(1);
    expect(out).toMatch(/at least 20 .*has 12/);
    expect(fs.existsSync(path.join(work, 'trained-b'))).toBe(false);
  });
});

describe('one process per embedded data folder', () => {
  it(
    'refuses import-history while the service holds the folder, naming the holder, and imports nothing',
    { timeout: 300_000 },
    async () => {
      const dataDir = path.join(work, 'data-lock');
      const port = 39000 + Math.floor(Math.random() * 1000);
      const service = run('src/main.ts', [], { DATA_DIR: dataDir, PORT: String(port), SCHEDULER: 'off' });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`service did not start:\n${service.output()}`)), 150_000);
        const poll = setInterval(() => {
          if (service.output().includes('Demo drop')) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve();
          }
        }, 100);
      });
      try {
        const { code, out } = await run('src/cli/import-history.ts', [importFile], { DATA_DIR: dataDir }).done;
        expect(code).toBe(1);
        expect(out).toContain(`in use by process ${service.child.pid}`);
        expect(out).toContain('src/main.ts');
      } finally {
        service.child.kill('SIGTERM');
        await service.done;
      }
      // Once the service has stopped, the same import goes through (the lock was released).
      const after = await run('src/cli/import-history.ts', [importFile], { DATA_DIR: dataDir }).done;
      expect(after.code, after.out).toBe(0);
      expect(after.out).toMatch(/imported \d+ rows of 26 drop/);
    },
  );
});
