import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The boundary rules as `npm run lint` runs them: the repository's own eslint.config.js, over a
 * real module file with one violation added. Each sample must fail with the boundary rule's id,
 * and the same file without it must pass those rules.
 */
const root = path.resolve(import.meta.dirname, '../..');
let eslint: ESLint;

async function boundaryErrors(file: string, text: string): Promise<string[]> {
  const [result] = await eslint.lintText(text, { filePath: path.join(root, file) });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId?.startsWith('boundaries/') || m.ruleId?.startsWith('no-restricted-') || m.fatal)
    .map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

function source(file: string): string {
  return readFileSync(path.join(root, file), 'utf8');
}

describe('module boundaries (lint)', () => {
  beforeAll(async () => {
    eslint = new ESLint({ cwd: root });
    // The first type-aware lint loads the TypeScript program (tens of seconds): do it in the hook.
    await eslint.lintText(source('src/services.ts'), { filePath: path.join(root, 'src/services.ts') });
  });

  it('passes the files as they are', async () => {
    for (const file of ['src/modules/delivery/delivery.service.ts', 'src/modules/reports/reports.service.ts'])
      expect(await boundaryErrors(file, source(file))).toEqual([]);
  });

  it("fails when a module imports another module's repository", async () => {
    const file = 'src/modules/delivery/delivery.service.ts';
    const text = `import { catalogRepository } from '../catalog/catalog.repository';\n${source(file)}\nvoid catalogRepository;\n`;
    const errors = await boundaryErrors(file, text);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^boundaries\/no-foreign-repository: '\.\.\/catalog\/catalog\.repository' is the catalog/,
    );
  });

  it('fails when code outside src/modules imports a repository', async () => {
    const file = 'src/services.ts';
    const text = `export { deliveryRepository } from './modules/delivery/delivery.repository';\n${source(file)}`;
    expect(await boundaryErrors(file, text)).toEqual([expect.stringMatching(/^boundaries\/no-foreign-repository:/)]);
  });

  it('lets a module import its own repository', async () => {
    const file = 'src/modules/reports/reports.service.ts';
    expect(source(file)).toContain("from './reports.repository'");
    expect(await boundaryErrors(file, source(file))).toEqual([]);
  });

  it('fails when a service runs SQL', async () => {
    const file = 'src/modules/reports/reports.service.ts';
    const text = `${source(file)}
export async function countDrops(db: import('../../db/database').Queryable) {
  return (await db.query('select count(*) from drops')).rows;
}
`;
    const errors = await boundaryErrors(file, text);
    expect(errors).toContain(
      "boundaries/no-sql: '.query(…)' runs SQL: move the statement into this module's repository.",
    );
    expect(errors).toContain("boundaries/no-sql: This string reads as SQL: move it into this module's repository.");
  });

  it('fails on SQL text kept in a service for a repository to run', async () => {
    const file = 'src/modules/reports/reports.service.ts';
    const text = `${source(file)}\nexport const LOCK = \`insert into drop_reports (drop_id) values ($1)\`;\n`;
    expect(await boundaryErrors(file, text)).toEqual([
      expect.stringMatching(/^boundaries\/no-sql: This string reads as SQL/),
    ]);
  });

  it('allows SQL in a repository', async () => {
    const file = 'src/modules/reports/reports.repository.ts';
    expect(source(file)).toContain('select');
    expect(await boundaryErrors(file, source(file))).toEqual([]);
  });

  it('fails when a pure core imports an edge (HTTP, database, bench) or reads the clock', async () => {
    const file = 'src/modules/signals/core/row-rules.ts';
    expect(await boundaryErrors(file, source(file))).toEqual([]);
    // The import paths are computed from the core's folder, as its author would write them.
    const fromCore = (target: string) => path.relative(path.dirname(file), target);
    const withHttp = `import { AppError } from '${fromCore('src/http/app-error')}';\n${source(file)}\nvoid AppError;\n`;
    expect(await boundaryErrors(file, withHttp)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*core does no I\/O/),
    ]);
    const withBench = `import type { BenchFigure } from '${fromCore('src/bench/bench-types')}';\nimport { pathToFileURL } from 'node:url';\nimport fs from 'node:fs';\n${source(file)}\nexport type F = BenchFigure;\nvoid pathToFileURL;\nvoid fs;\n`;
    // a type from the bench is allowed; the file system is not
    expect(await boundaryErrors(file, withBench)).toEqual([expect.stringMatching(/^no-restricted-imports: 'node:fs'/)]);
    const withClock = `${source(file)}\nexport const stamp = () => Date.now();\n`;
    expect(await boundaryErrors(file, withClock)).toEqual([
      'no-restricted-syntax: A core reads no clock: pass the time in.',
    ]);
  });

  it("fails when a module reaches past another module's index.ts, and passes through it", async () => {
    const file = 'src/modules/delivery/delivery.service.ts';
    const deep = `import { hubInputSchema } from '../catalog/catalog.schemas';\n${source(file)}\nvoid hubInputSchema;\n`;
    expect(await boundaryErrors(file, deep)).toEqual([
      expect.stringMatching(
        /^boundaries\/public-surface: '\.\.\/catalog\/catalog\.schemas' reaches inside the catalog module: import its public surface \('\.\.\/catalog'\)/,
      ),
    ]);
    const viaIndex = `import { hubInputSchema } from '../catalog';\n${source(file)}\nvoid hubInputSchema;\n`;
    expect(await boundaryErrors(file, viaIndex)).toEqual([]);
  });

  it('fails when a core imports another module at all (a type aside)', async () => {
    const file = 'src/modules/pickup/core/pickup-slots.ts';
    const value = `import { catalogReaders } from '../../catalog';\n${source(file)}\nvoid catalogReaders;\n`;
    expect(await boundaryErrors(file, value)).toEqual([
      expect.stringMatching(
        /^boundaries\/public-surface: '\.\.\/\.\.\/catalog' is the catalog module: a core imports no other module/,
      ),
    ]);
    const typeOnly = `import type { CatalogService } from '../../catalog';\n${source(file)}\nexport type C = CatalogService;\n`;
    expect(await boundaryErrors(file, typeOnly)).toEqual([]);
  });

  it('fails on SQL outside src/modules too (the HTTP layer), but not in the database layer', async () => {
    const file = 'src/http/app.ts';
    expect(await boundaryErrors(file, source(file))).toEqual([]);
    const text = `${source(file)}\nexport const ping = (db: import('../db/database').Queryable) => db.query('select 1');\n`;
    expect(await boundaryErrors(file, text)).toEqual([
      "boundaries/no-sql: '.query(…)' runs SQL: move the statement into this module's repository.",
    ]);
    expect(await boundaryErrors('src/db/readiness.ts', source('src/db/readiness.ts'))).toEqual([]);
  });

  it("fails when a repository writes another module's table, or a table with no owner", async () => {
    const file = 'src/modules/returns/returns.repository.ts';
    expect(await boundaryErrors(file, source(file))).toEqual([]);
    const write = (sql: string) => `${source(file)}\nexport const extra = (db: Queryable) => db.query(\`${sql}\`);\n`;
    expect(await boundaryErrors(file, write('update hub_stock set adjusted = adjusted + 1 where hub_id = $1'))).toEqual(
      [
        "boundaries/table-writes: 'hub_stock' belongs to the delivery module: the returns module may not write it; ask the delivery module's service (it can take your transaction).",
      ],
    );
    expect(await boundaryErrors(file, write('insert into drops (id) values ($1)'))).toEqual([
      expect.stringMatching(/^boundaries\/table-writes: 'drops' belongs to the catalog module/),
    ]);
    expect(await boundaryErrors(file, write('copy reservation_holds (id) from stdin'))).toEqual([
      expect.stringMatching(/^boundaries\/table-writes: 'reservation_holds' belongs to the delivery module/),
    ]);
    expect(await boundaryErrors(file, write('delete from brand_new_table where id = $1'))).toEqual([
      "boundaries/table-writes: 'brand_new_table' has no owner: add it to eslint/table-owners.js under the module that writes it.",
    ]);
    // Its own table, a row lock and an upsert's update branch are not writes of another table.
    expect(
      await boundaryErrors(
        file,
        write(
          'insert into returns (id) values ($1) on conflict (id) do update set id = excluded.id; select 1 from hub_stock for update of hub_stock',
        ),
      ).then((errors) => errors.filter((e) => e.startsWith('boundaries/table-writes'))),
    ).toEqual([]);
  });

  it("fails when a repository reads another module's table", async () => {
    const file = 'src/modules/keys/keys.repository.ts';
    expect(await boundaryErrors(file, source(file))).toEqual([]);
    const read = (sql: string) => `${source(file)}\nexport const extra = (db: Queryable) => db.query(\`${sql}\`);\n`;
    expect(await boundaryErrors(file, read('select k.id from api_keys k join drops d on d.id = k.id'))).toEqual([
      "boundaries/table-reads: 'drops' belongs to the catalog module: the keys module may not read it; ask the catalog module's service (it can take your transaction).",
    ]);
    // its own table, a subquery's alias and `delete from` (a write, the other rule's) are not foreign reads
    expect(
      await boundaryErrors(file, read('select x.id from (select id from api_keys) x; delete from api_keys')),
    ).toEqual([]);
  });
});
