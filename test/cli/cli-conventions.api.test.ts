import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The command-line conventions: `--help` on every command prints its usage and exits 0 (it used to
 * exit 2); flags are named as in the API (`key create --role partner --partner-id …`, and an error
 * names the flag, not `partner_id`); exit codes 0 ok, 1 failed, 2 usage, 78 configuration.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const COMMANDS = ['key', 'migrate', 'import', 'import-history', 'simulate-history', 'train', 'backtest', 'plan'];

function run(command: string, args: string[], env: Record<string, string> = {}) {
  // A data folder of its own: a command that got past its usage would never touch var/data.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mf-cli-'));
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      TSX,
      [path.join(ROOT, 'src/cli', `${command}.ts`), ...args],
      { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('CLI conventions', () => {
  it('answers --help on every command with its usage on stdout and exit 0', async () => {
    const results = await Promise.all(COMMANDS.map(async (c) => ({ c, ...(await run(c, ['--help'])) })));
    for (const r of results) {
      expect(r.code, `${r.c}: ${r.stderr}`).toBe(0);
      expect(r.stdout.toLowerCase(), r.c).toContain('usage');
    }
  });

  it('names flags as the API names fields: a partner key without --partner-id is a usage error naming the flag', async () => {
    const r = await run('key', ['create', '--role', 'partner']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--partner-id');
    expect(r.stderr).not.toMatch(/\bpartner_id\b/);
  });

  it('exits 78 on a configuration error, naming the variable', async () => {
    const r = await run('migrate', [], { PORT: 'not-a-port' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('PORT');
  });

  it('exits 2 on a wrong command line', async () => {
    const r = await run('plan', []);
    expect(r.code).toBe(2);
  });

  it('names the drop, plan and creator flags as the API does (drop_id, plan_id, creator_id)', async () => {
    for (const [command, args] of [
      ['plan', ['--help']],
      ['import', ['--help']],
      ['train', ['--help']],
    ] as const) {
      const r = await run(command, [...args]);
      expect(r.stdout).toMatch(/--(drop|plan|creator)-id/);
    }
    const missing = await run('import', ['preorders', 'package.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--drop-id');
    // A known flag gets past the usage check: an unknown drop fails (1), it is not a usage error (2).
    const unknownDrop = await run('plan', ['--drop-id', 'drop-that-does-not-exist']);
    expect(unknownDrop.code, unknownDrop.stderr).toBe(1);
    // Five commands one after another, each starting Node, tsx and an embedded database: about
    // 16 s alone, past 60 s once while CI ran the whole PostgreSQL suite beside it.
  }, 180_000);
});
