import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoCatalog } from '../src/demo/demo-catalog';
import { startTestApp, type TestApp } from './harness/test-app';

/**
 * The README's tour, run as printed against a started service with the demo drop: only the admin key
 * and the address on its first line are filled in. If a command in the README stops working (a
 * renamed field, a missing id), this fails. Needs bash, curl and jq, as the README says.
 */
const ROOT = path.resolve(import.meta.dirname, '..');
const MARKER = '<!-- tour: test/tour.api.test.ts runs this block against a started service -->';

export function tourScript(readme: string): string {
  const at = readme.indexOf(MARKER);
  if (at < 0) throw new Error('the README has no tour block');
  const open = readme.indexOf('```sh\n', at) + '```sh\n'.length;
  return readme.slice(open, readme.indexOf('```\n', open));
}

const tools = ['bash', 'curl', 'jq'];
const missing = await Promise.all(
  tools.map(
    (tool) =>
      new Promise<string | null>((resolve) =>
        execFile('bash', ['-c', `command -v ${tool}`], (e) => resolve(e ? tool : null)),
      ),
  ),
).then((r) => r.filter((x): x is string => x !== null));

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
  const s = app.services;
  await loadDemoCatalog(s.catalog, s.clock, undefined, s.signals, {
    forecast: s.forecast,
    plannerAt: s.plannerAt,
    reports: s.reports,
  });
}, 300_000);
afterAll(() => app?.close());

describe('README tour', () => {
  it.skipIf(missing.length > 0)(
    `runs every command as printed (needs ${tools.join(', ')})`,
    async () => {
      const script = tourScript(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
      expect(script).toContain('K=mf_admin_…');
      const runnable = script
        .replace('K=mf_admin_…', `K=${app.adminKey}`)
        .replace('B=http://127.0.0.1:3000', `B=${app.baseUrl}`);
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          'bash',
          ['-euo', 'pipefail', '-c', runnable],
          { timeout: 240_000, maxBuffer: 10_000_000 },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
      expect(result.code, `${result.stderr}\n${result.stdout}`).toBe(0);
      // The ETag poll answered "not modified"; the hold was confirmed; the closed drop has a report.
      expect(result.stdout).toMatch(/^304$/m);
      expect(result.stdout).toContain('"status": "confirmed"');
      expect(result.stdout).toContain('"units_ordered"');
    },
    300_000,
  );
});
