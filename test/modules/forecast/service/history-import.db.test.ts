import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/http/app-error';
import { socialIndex } from '../../../../src/modules/forecast/core/forecast-types';
import { freshId } from '../../../factories/catalog-factory';
import { toCsv } from '../../../factories/signals-factory';
import { startTestApp, type TestApp } from '../../../harness/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const countRows = async () =>
  Number((await app.database.db.query<{ n: number }>('select count(*) as n from demand_history')).rows[0]!.n);

function pastDrop(dropId = freshId('past'), creatorId = 'creator-past') {
  const base = {
    drop_id: dropId,
    creator_id: creatorId,
    opens_at: '2025-06-01T17:00:00Z',
    closes_at: '2025-06-03T17:00:00Z',
  };
  return [
    {
      ...base,
      sku_id: `${dropId}-a`,
      region_id: 'US-CA',
      price: 40,
      realised_demand: 12,
      preorders_7d: 1,
      preorders_3d: 3,
      preorders_1d: 5,
      token_holders_1d: 20,
      social_1d_tiktok_views: 900,
    },
    { ...base, sku_id: `${dropId}-a`, region_id: 'US-NY', price: 40, realised_demand: 0 },
    { ...base, sku_id: `${dropId}-b`, region_id: 'US-CA', price: 25, realised_demand: 7, velocity_1d: 2 },
  ];
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('importDemandHistory', () => {
  it('imports a CSV file: one row per drop × SKU × region, snapshots from the lead-time columns', async () => {
    const before = await countRows();
    const rows = pastDrop();
    const progress: string[] = [];
    const result = await app.services.history.importHistory({ text: toCsv(rows), format: 'csv' }, (p) =>
      progress.push(`${p.phase}:${p.done}/${p.total}`),
    );
    expect(result).toEqual({ rows: 3, drops: 1, created: 3, updated: 0, realised_units: 19 });
    expect(progress).toEqual(['validate:3/3', 'write:3/3']);
    expect(await countRows()).toBe(before + 3);
    const stored = await app.services.history.listDemandHistoryOfDrop(rows[0]!.drop_id);
    const a = stored.find((r) => r.sku_id.endsWith('-a') && r.region_id === 'US-CA')!;
    expect(a).toMatchObject({ source: 'import', realised_demand: 12, price: 40, creator_id: 'creator-past' });
    // Kinds the file does not give at a lead are missing there, not zero: no token holders or social at 3 days.
    expect(a.snapshots['3']).toEqual({ preorders: 3, velocity: 0 });
    expect(a.snapshots['1']).toMatchObject({ token_holders: 20 });
    expect(a.snapshots['1']!.social![socialIndex(1, 1)]).toBe(900);
    const b = stored.find((r) => r.sku_id.endsWith('-b'))!;
    expect(b.snapshots['1']).toMatchObject({ velocity: 2 });
  });

  it('imports JSON (an array or {"rows": [...]}), replacing rows it already holds', async () => {
    const rows = pastDrop();
    expect(await app.services.history.importHistory({ text: JSON.stringify(rows), format: 'json' })).toMatchObject({
      created: 3,
      updated: 0,
    });
    const changed = rows.map((r) => ({ ...r, realised_demand: r.realised_demand + 1 }));
    expect(
      await app.services.history.importHistory({ text: JSON.stringify({ rows: changed }), format: 'json' }),
    ).toMatchObject({ created: 0, updated: 3, realised_units: 22 });
  });

  it('rejects the whole file when one row is bad, naming the row and the field, and writes nothing', async () => {
    const before = await countRows();
    const rows: Record<string, unknown>[] = pastDrop();
    rows[1] = { ...rows[1], realised_demand: -3 };
    const error = await rejection(app.services.history.importHistory({ text: toCsv(rows), format: 'csv' }));
    expect(error.code).toBe('unprocessable');
    expect(error.options.errors).toEqual([
      { path: 'rows[2].realised_demand', message: expect.stringContaining('>=0') },
    ]);
    expect(error.detail).toContain('rows[2].realised_demand');
    expect(error.detail).toContain('nothing written');
    expect(await countRows()).toBe(before);
  });

  it('names unknown columns, inconsistent drops, repeated cells and bad instants', async () => {
    const rows: Record<string, unknown>[] = pastDrop();
    rows[1] = { ...rows[1], opens_at: '2025-06-02T17:00:00Z' };
    rows[2] = { ...rows[2], closes_at: 'yesterday' };
    const repeated = { ...rows[0] };
    const unknownColumn = { ...rows[0], region_id: 'US-TX', realised: 3 };
    const error = await rejection(
      app.services.history.importHistory({ text: JSON.stringify([...rows, repeated, unknownColumn]), format: 'json' }),
    );
    const paths = error.options.errors!.map((e) => e.path);
    expect(paths.sort()).toEqual(['rows[2].opens_at', 'rows[3].closes_at', 'rows[4].region_id', 'rows[5].realised']);
  });

  it('refuses a file that is not JSON, or has no rows', async () => {
    expect(
      (await rejection(app.services.history.importHistory({ text: '{"rows": [', format: 'json' }))).options.extensions,
    ).toMatchObject({ reason: 'bad_file' });
    expect(
      (await rejection(app.services.history.importHistory({ text: 'drop_id,creator_id\r\n', format: 'csv' }))).options
        .errors,
    ).toEqual([{ path: 'rows', message: 'the file has no data rows' }]);
  });
});
