import type { Database } from '../../src/db/database';

/**
 * Keeps the database busy for a test: a transaction holds one hub_stock row `for update` (on PGlite
 * it also holds the one connection) until `release`. Requests that arrive meanwhile wait at the
 * database, so a test can line them up and see them go in batches instead of leaving it to timing.
 */
export async function lockStockRow(db: Database, hubId: string, skuId: string): Promise<{ release(): Promise<void> }> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let locked!: () => void;
  const rowLocked = new Promise<void>((resolve) => (locked = resolve));
  const busy = db.transaction(async (tx) => {
    await tx.query('select held from hub_stock where hub_id = $1 and sku_id = $2 for update', [hubId, skuId]);
    locked();
    await gate;
  });
  await Promise.race([rowLocked, busy]);
  let released: Promise<void> | undefined;
  return {
    release: () => {
      open();
      released ??= busy.then(() => undefined);
      return released;
    },
  };
}
