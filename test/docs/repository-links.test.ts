/**
 * Nothing in the repository points outside it: a clone must be enough to read every page, comment
 * and notebook. Every tracked text file is scanned for
 * - relative paths (`../x`, `./x`, markdown link targets) that resolve outside the repository root,
 * - absolute paths into a home or work folder,
 * - a cited `NAME.md` that is no tracked file,
 * - markdown links to a relative file that does not exist.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TEXT = /\.(ts|mts|mjs|js|json|md|ipynb|yaml|yml|sh|py|sql|css|html|txt)$|(^|\/)\.ci\//;
const SKIP = new Set(['package-lock.json', 'repository-links.test.ts']); // this file quotes bad links on purpose

function trackedTextFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  return out
    .split('\0')
    .filter((f) => f !== '' && TEXT.test(f) && !SKIP.has(path.basename(f)) && !f.startsWith('src/generated/'))
    .filter((f) => existsSync(path.join(ROOT, f)));
}

function outside(resolved: string): boolean {
  const rel = path.relative(ROOT, resolved);
  return rel.startsWith('..') || path.isAbsolute(rel);
}

export function findOutsideLinks(file: string, text: string, trackedBasenames: Set<string>): string[] {
  const problems: string[] = [];
  const dir = path.dirname(path.join(ROOT, file));
  for (const m of text.matchAll(/(?<![\w.])((?:\.\.\/)+[\w@.-]+(?:\/[\w@.-]+)*)/g)) {
    if (outside(path.resolve(dir, m[1]!))) problems.push(`${file}: ${m[1]} leaves the repository`);
  }
  for (const m of text.matchAll(/(?<![\w.:])(\/(?:work|home|Users|root|tmp\/shared)\/[\w@.-]+)/g)) {
    problems.push(`${file}: absolute path ${m[1]}`);
  }
  for (const m of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target) || target.startsWith('/')) continue;
    const resolved = path.resolve(dir, target);
    if (outside(resolved)) problems.push(`${file}: link ${target} leaves the repository`);
    else if (!existsSync(resolved)) problems.push(`${file}: link ${target} names no file`);
  }
  for (const m of text.matchAll(/(?<![\w/.-])([A-Za-z][\w-]*\.md)\b/g)) {
    if (!trackedBasenames.has(m[1]!)) problems.push(`${file}: cites ${m[1]}, which is not in the repository`);
  }
  return problems;
}

describe('links stay inside the repository', () => {
  const files = trackedTextFiles();
  const basenames = new Set(files.map((f) => path.basename(f)));

  it('finds the tracked text files', () => {
    expect(files).toContain('README.md');
    expect(files).toContain('docs/design.md');
  });

  it('no tracked text file links or cites a path outside the repository', () => {
    const problems = files.flatMap((f) => findOutsideLinks(f, readFileSync(path.join(ROOT, f), 'utf8'), basenames));
    expect(problems).toEqual([]);
  });

  it('catches the kinds of link a clone cannot follow', () => {
    const names = new Set(['design.md']);
    expect(findOutsideLinks('README.md', 'see [notes](../shared/DESIGN.md)', names)).toHaveLength(2);
    expect(findOutsideLinks('src/a/b.ts', "// see DESIGN.md 'Forecast'", names)).toEqual([
      'src/a/b.ts: cites DESIGN.md, which is not in the repository',
    ]);
    expect(findOutsideLinks('src/a/b.ts', "import x from '../../shared/x';", names)).toEqual([]);
    expect(findOutsideLinks('docs/a.md', 'read /work/shared/notes', names)).toHaveLength(1);
    expect(findOutsideLinks('docs/a.md', '[design](design.md) and [web](https://example.com/x.md)', names)).toEqual([]);
  });

  it('the design pages the README points to exist and cover the vocabulary, maths, conventions and roles', () => {
    const design = readFileSync(path.join(ROOT, 'docs/design.md'), 'utf8');
    for (const heading of [
      '## Vocabulary',
      '## Forecast',
      '## Allocation',
      '## Delivery estimates',
      '## Who may do what',
    ]) {
      expect(design).toContain(heading);
    }
    const allocation = readFileSync(path.join(ROOT, 'docs/allocation.md'), 'utf8');
    expect(allocation).toContain('## Reference cases');
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    for (const page of ['docs/design.md', 'docs/forecasting.md', 'docs/allocation.md', 'docs/holds-and-promises.md']) {
      expect(readme).toContain(`](${page})`);
    }
  });
});
