import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const moduleDir = join(__dirname, '../../../src/modules/allocation');
const coreDir = join(moduleDir, 'core');

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
}

describe('allocation module boundaries', () => {
  it('reads other modules through their services or readers, never their repositories', () => {
    for (const name of readdirSync(moduleDir).filter((f) => f.endsWith('.ts'))) {
      const foreign = importsOf(join(moduleDir, name)).filter((p) => /^\.\.\/[a-z-]+\/.*repository/.test(p));
      expect(foreign, name).toEqual([]);
    }
  });

  it('has no import cycle between the core files', () => {
    const files = readdirSync(coreDir).filter((f) => f.endsWith('.ts') && f !== 'index.ts');
    const edges = new Map(
      files.map((f) => [
        f,
        importsOf(join(coreDir, f))
          .filter((p) => p.startsWith('./'))
          .map((p) => `${p.slice(2)}.ts`),
      ]),
    );
    const state = new Map<string, 'open' | 'done'>();
    const cycle: string[] = [];
    const visit = (f: string, path: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycle.push([...path, f].join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const g of edges.get(f) ?? []) visit(g, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycle).toEqual([]);
  });
});
