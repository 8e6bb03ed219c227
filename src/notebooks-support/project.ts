/**
 * How a notebook loads the project's own modules.
 *
 * tslab compiles a notebook's imports to CommonJS with its own TypeScript (non-strict, Node10
 * resolution), which breaks on modules using `import.meta` (the migrations, the web routes) and
 * on discriminated unions without strictNullChecks. So notebooks load project code the way the
 * CLIs do, as native ESM through tsx (`tsImport`), and only borrow the types with
 * `typeof import('…')`:
 *
 *   const bt: typeof import('../src/modules/forecast/core/backtest') = await importTs('src/modules/forecast/core/backtest.ts');
 *
 * This file itself is compiled by tslab, so it keeps to what both compilers accept.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

type TsImport = (specifier: string, parentUrl: string) => Promise<unknown>;

/** The folder holding package.json and src/services.ts, searched upwards from the working directory. */
export function projectRoot(): string {
  let dir = process.cwd();
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'src', 'services.ts'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no project root above ${process.cwd()}`);
    dir = parent;
  }
}

let cachedTsImport: TsImport | undefined;

/**
 * A native `import()` of a package, out of tslab's sight: tslab would rewrite a literal import()
 * into require(), and its Node10 module resolution cannot type ESM-only packages whose types sit
 * behind an `exports` map (vega-lite, tsx/esm/api). Callers state the type they rely on.
 */
export function nativeImport<T>(specifier: string): Promise<T> {
  return (new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<T>)(specifier);
}

/** Imports a project file (path relative to the project root) as native ESM through tsx. */
export async function importTs<T>(relPath: string): Promise<T> {
  const root = projectRoot();
  const parentUrl = pathToFileURL(path.join(root, 'package.json')).href;
  // The ESM build: tsx's CommonJS build of tsImport registers its hooks from a wrong relative path.
  cachedTsImport ??= (await nativeImport<{ tsImport: TsImport }>('tsx/esm/api')).tsImport;
  return (await cachedTsImport(pathToFileURL(path.join(root, relPath)).href, parentUrl)) as T;
}
