import { arrayLiteral, copyText, fromCopyText } from '../../db/copy-text';
import type { Queryable } from '../../db/database';
import { afterKey, type PageRequest } from '../../http/pagination';
import type { WriteCounts } from './core/batch-ingest';
import type {
  InventoryEventRecord,
  PreorderRecord,
  SocialSignalRecord,
  TokenHolderSnapshotRecord,
} from './core/row-rules';

/**
 * Signals SQL, one intent-named query per function, no business rules. Imports are staged: each
 * chunk of rows is stored in `import_chunks` as one array literal per column (one short statement),
 * and merged into its table by one `unnest` per chunk in the import's final transaction: no
 * per-row round trips, and no connection held while a body arrives. Each merge answers how many
 * rows it created and how many it changed (`xmax = 0` marks an insert).
 */
export type PreorderRow = PreorderRecord & { drop_id: string; placed_at: Date; received_at: Date; updated_at: Date };
const UNIQUE_VIOLATION = '23505';

export type BucketSize = 'hour' | 'day';
/** id, sku_id, region_id, quantity, placed_at, status as PostgreSQL array literals. */
export type PreorderColumns = [string, string, string, string, string, string];
/** One staged chunk of an import (see migration 0010). */
export interface StagedChunk {
  importId: string;
  chunk: number;
}
export interface SummaryFilter {
  dropId: string;
  bucket: BucketSize;
  regionId: string | null;
  from: string | null;
  to: string | null;
}

const column = <Row>(rows: readonly Row[], pick: (row: Row) => string | number) => arrayLiteral(rows.map(pick));

const countWritten = `select count(*) filter (where inserted) as created, count(*) filter (where not inserted) as updated from written`;

async function counts(db: Queryable, text: string, params: unknown[]): Promise<WriteCounts> {
  const { rows } = await db.query<WriteCounts>(text, params);
  return { created: Number(rows[0]?.created ?? 0), updated: Number(rows[0]?.updated ?? 0) };
}

const filterParams = (f: SummaryFilter) => [f.dropId, f.regionId, f.from, f.to];
const window = (column: string) => `drop_id = $1 and ($2::text is null or region_id = $2)
  and ($3::timestamptz is null or ${column} >= $3) and ($4::timestamptz is null or ${column} < $4)`;

export const signalsRepository = {
  /** Stages one fully received chunk of an import (its columns as array literals): one short statement. */
  async stageChunk(db: Queryable, importId: string, chunk: number, columns: readonly string[]): Promise<void> {
    await db.query('insert into import_chunks (import_id, chunk, columns) values ($1, $2, $3::text[])', [
      importId,
      chunk,
      columns,
    ]);
  },
  async discardStagedChunks(db: Queryable, importId: string): Promise<void> {
    await db.query('delete from import_chunks where import_id = $1', [importId]);
  },
  /** Chunks of imports that never finished (a crash, a lost connection), older than `olderThan`. */
  async discardStaleChunks(db: Queryable, olderThan: Date): Promise<number> {
    return (await db.query('delete from import_chunks where staged_at < $1', [olderThan])).rowCount;
  },

  /** Pre-order columns as array literals, built once per chunk: id, sku_id, region_id, quantity, placed_at, status. */
  preorderColumns(rows: PreorderRecord[]): PreorderColumns {
    return [
      column(rows, (r) => r.id),
      column(rows, (r) => r.sku_id),
      column(rows, (r) => r.region_id),
      column(rows, (r) => r.quantity),
      column(rows, (r) => r.placed_at),
      column(rows, (r) => r.status),
    ];
  },
  /**
   * One pre-order as a line of COPY text (the columns of copyPreorderLines), for a streamed import
   * that encodes each row as it checks out instead of holding the rows of a chunk.
   */
  preorderCopyLine(dropId: string, r: PreorderRecord): string {
    return `${copyText(dropId)}\t${copyText(r.id)}\t${copyText(r.sku_id)}\t${copyText(r.region_id)}\t${r.quantity}\t${copyText(r.placed_at)}\t${r.status}\n`;
  },
  /** The pre-orders of COPY text made by preorderCopyLine, back as rows (for the replay path). */
  preordersOfCopyLines(bytes: Uint8Array): PreorderRecord[] {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const rows: PreorderRecord[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const [, id, sku_id, region_id, quantity, placed_at, status] = line.split('\t').map(fromCopyText);
      rows.push({
        id: id!,
        sku_id: sku_id!,
        region_id: region_id!,
        quantity: Number(quantity),
        placed_at: placed_at!,
        status: status as PreorderRecord['status'],
      });
    }
    return rows;
  },
  /**
   * COPY of pre-order lines (preorderCopyLine) expected to be new: a unique violation if some id
   * is already stored or repeats. Call it under a savepoint (tryCopyPreorderLines).
   */
  async copyPreorderLines(tx: Queryable, bytes: Uint8Array): Promise<WriteCounts> {
    if (!tx.copyFrom) throw new Error('COPY needs a PostgreSQL transaction');
    const created = await tx.copyFrom(
      'copy preorders (drop_id, id, sku_id, region_id, quantity, placed_at, status) from stdin',
      [bytes],
    );
    return { created, updated: 0 };
  },
  /** copyPreorderLines under a savepoint: undefined, nothing written and the transaction usable, when an id is already stored or repeats. */
  async tryCopyPreorderLines(tx: Queryable, bytes: Uint8Array): Promise<WriteCounts | undefined> {
    await tx.query('savepoint preorder_chunk');
    try {
      const copied = await signalsRepository.copyPreorderLines(tx, bytes);
      await tx.query('release savepoint preorder_chunk');
      return copied;
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      await tx.query('rollback to savepoint preorder_chunk');
      return undefined;
    }
  },
  /** Upserts a chunk of pre-orders sent as parameters (the replay path of a streamed import); same rules as upsertPreorders. */
  async upsertPreorderRows(tx: Queryable, dropId: string, rows: PreorderRecord[]): Promise<WriteCounts> {
    return counts(
      tx,
      `with written as (
        insert into preorders as p (drop_id, id, sku_id, region_id, quantity, placed_at, status)
        select $1, u.* from unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::text[]) as u
        on conflict (drop_id, id) do update set sku_id = excluded.sku_id, region_id = excluded.region_id,
          quantity = excluded.quantity, placed_at = excluded.placed_at, status = excluded.status, updated_at = now()
        where p.status = 'placed'
          and (p.sku_id, p.region_id, p.quantity, p.placed_at, p.status)
            is distinct from (excluded.sku_id, excluded.region_id, excluded.quantity, excluded.placed_at, excluded.status)
        returning (xmax = 0) as inserted
      ) ${countWritten}`,
      [dropId, ...signalsRepository.preorderColumns(rows)],
    );
  },
  /** Plain insert of a staged chunk of pre-orders expected to be new: fails on the primary key if one is not. */
  async insertNewPreorders(db: Queryable, dropId: string, staged: StagedChunk): Promise<WriteCounts> {
    const { rowCount } = await db.query(
      `insert into preorders (drop_id, id, sku_id, region_id, quantity, placed_at, status)
       select $1, u.* from import_chunks c,
         unnest(c.columns[1]::text[], c.columns[2]::text[], c.columns[3]::text[], c.columns[4]::int[],
           c.columns[5]::timestamptz[], c.columns[6]::text[]) as u
       where c.import_id = $2 and c.chunk = $3`,
      [dropId, staged.importId, staged.chunk],
    );
    return { created: rowCount, updated: 0 };
  },
  /**
   * insertNewPreorders under a savepoint: undefined, with nothing written and the transaction still
   * usable, when some id of the chunk is already stored.
   */
  async tryInsertNewPreorders(tx: Queryable, dropId: string, staged: StagedChunk): Promise<WriteCounts | undefined> {
    await tx.query('savepoint preorder_chunk');
    try {
      const written = await signalsRepository.insertNewPreorders(tx, dropId, staged);
      await tx.query('release savepoint preorder_chunk');
      return written;
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      await tx.query('rollback to savepoint preorder_chunk');
      return undefined;
    }
  },
  /** Upserts a staged chunk of pre-orders; a stored cancellation is never overwritten, an identical re-send is not rewritten. */
  async upsertPreorders(db: Queryable, dropId: string, staged: StagedChunk): Promise<WriteCounts> {
    return counts(
      db,
      `with written as (
        insert into preorders as p (drop_id, id, sku_id, region_id, quantity, placed_at, status)
        select $1, u.* from import_chunks c,
          unnest(c.columns[1]::text[], c.columns[2]::text[], c.columns[3]::text[], c.columns[4]::int[],
            c.columns[5]::timestamptz[], c.columns[6]::text[]) as u
        where c.import_id = $2 and c.chunk = $3
        on conflict (drop_id, id) do update set sku_id = excluded.sku_id, region_id = excluded.region_id,
          quantity = excluded.quantity, placed_at = excluded.placed_at, status = excluded.status, updated_at = now()
        where p.status = 'placed'
          and (p.sku_id, p.region_id, p.quantity, p.placed_at, p.status)
            is distinct from (excluded.sku_id, excluded.region_id, excluded.quantity, excluded.placed_at, excluded.status)
        returning (xmax = 0) as inserted
      ) ${countWritten}`,
      [dropId, staged.importId, staged.chunk],
    );
  },
  /** Oldest placed first; the page key is (placed_at as text, id). `placedTo` is exclusive. */
  async listPreorders(
    db: Queryable,
    dropId: string,
    filter: {
      skuId: string | undefined;
      regionId: string | undefined;
      status: string | undefined;
      placedFrom: string | undefined;
      placedTo: string | undefined;
    },
    page: PageRequest,
  ) {
    const { rows } = await db.query<PreorderRow & { page_placed_at: string }>(
      `select id, drop_id, sku_id, region_id, quantity, placed_at, status, received_at, updated_at,
         placed_at::text as page_placed_at
       from preorders
       where drop_id = $1 and ($2::text is null or sku_id = $2) and ($3::text is null or region_id = $3)
         and ($4::text is null or status = $4) and ($5::timestamptz is null or placed_at >= $5::timestamptz)
         and ($6::timestamptz is null or placed_at < $6::timestamptz)
         and ($7::timestamptz is null or (placed_at, id) > ($7::timestamptz, $8::text))
       order by placed_at, id limit $9`,
      [
        dropId,
        filter.skuId ?? null,
        filter.regionId ?? null,
        filter.status ?? null,
        filter.placedFrom ?? null,
        filter.placedTo ?? null,
        ...afterKey(page, 2),
        page.limit + 1,
      ],
    );
    return rows;
  },
  async findPreorder(db: Queryable, dropId: string, id: string) {
    const { rows } = await db.query<PreorderRow>(
      `select id, drop_id, sku_id, region_id, quantity, placed_at, status, received_at, updated_at
       from preorders where drop_id = $1 and id = $2`,
      [dropId, id],
    );
    return rows[0];
  },

  /** region_id, channel, metric, value, observed_at. */
  socialSignalColumns(rows: SocialSignalRecord[]): string[] {
    return [
      column(rows, (r) => r.region_id),
      column(rows, (r) => r.channel),
      column(rows, (r) => r.metric),
      column(rows, (r) => r.value),
      column(rows, (r) => r.observed_at),
    ];
  },
  async upsertSocialSignals(db: Queryable, dropId: string, staged: StagedChunk): Promise<WriteCounts> {
    return counts(
      db,
      `with written as (
        insert into social_signals as s (drop_id, region_id, channel, metric, value, observed_at)
        select $1, u.* from import_chunks c,
          unnest(c.columns[1]::text[], c.columns[2]::text[], c.columns[3]::text[], c.columns[4]::float8[],
            c.columns[5]::timestamptz[]) as u
        where c.import_id = $2 and c.chunk = $3
        on conflict (drop_id, region_id, channel, metric, observed_at) do update set value = excluded.value, received_at = now()
        where s.value is distinct from excluded.value
        returning (xmax = 0) as inserted
      ) ${countWritten}`,
      [dropId, staged.importId, staged.chunk],
    );
  },

  /** region_id, holders, tokens, observed_at. */
  tokenHolderSnapshotColumns(rows: TokenHolderSnapshotRecord[]): string[] {
    return [
      column(rows, (r) => r.region_id),
      column(rows, (r) => r.holders),
      column(rows, (r) => r.tokens),
      column(rows, (r) => r.observed_at),
    ];
  },
  async upsertTokenHolderSnapshots(db: Queryable, dropId: string, staged: StagedChunk): Promise<WriteCounts> {
    return counts(
      db,
      `with written as (
        insert into token_holder_snapshots as t (drop_id, region_id, holders, tokens, observed_at)
        select $1, u.* from import_chunks c,
          unnest(c.columns[1]::text[], c.columns[2]::int[], c.columns[3]::float8[], c.columns[4]::timestamptz[]) as u
        where c.import_id = $2 and c.chunk = $3
        on conflict (drop_id, region_id, observed_at) do update set holders = excluded.holders, tokens = excluded.tokens, received_at = now()
        where (t.holders, t.tokens) is distinct from (excluded.holders, excluded.tokens)
        returning (xmax = 0) as inserted
      ) ${countWritten}`,
      [dropId, staged.importId, staged.chunk],
    );
  },

  /** hub_id, id, type, sku_id, quantity, occurred_at. */
  inventoryEventColumns(rows: InventoryEventRecord[]): string[] {
    return [
      column(rows, (r) => r.hub_id),
      column(rows, (r) => r.id),
      column(rows, (r) => r.type),
      column(rows, (r) => r.sku_id),
      column(rows, (r) => r.quantity),
      column(rows, (r) => r.occurred_at),
    ];
  },
  /** Events are immutable: a known (sender, hub, id) is left as it is. */
  async insertInventoryEvents(db: Queryable, sender: string, staged: StagedChunk): Promise<WriteCounts> {
    return counts(
      db,
      `with written as (
        insert into inventory_events (sender, hub_id, id, type, sku_id, quantity, occurred_at)
        select $3, u.* from import_chunks c,
          unnest(c.columns[1]::text[], c.columns[2]::text[], c.columns[3]::text[], c.columns[4]::text[],
            c.columns[5]::int[], c.columns[6]::timestamptz[]) as u
        where c.import_id = $1 and c.chunk = $2
        on conflict (sender, hub_id, id) do nothing
        returning true as inserted
      ) ${countWritten}`,
      [staged.importId, staged.chunk, sender],
    );
  },

  async upsertPartnerSigningSecret(db: Queryable, partnerId: string, secret: string) {
    const { rows } = await db.query<{ created_at: Date }>(
      `insert into partner_signing_secrets (partner_id, secret) values ($1, $2)
       on conflict (partner_id) do update set secret = excluded.secret, created_at = now()
       returning created_at`,
      [partnerId, secret],
    );
    return rows[0]!;
  },
  async findPartnerSigningSecret(db: Queryable, partnerId: string) {
    return (
      await db.query<{ secret: string }>('select secret from partner_signing_secrets where partner_id = $1', [
        partnerId,
      ])
    ).rows[0]?.secret;
  },

  async summarisePreorders(db: Queryable, f: SummaryFilter) {
    return (
      await db.query<{
        region_id: string;
        placed: number;
        placed_units: number;
        cancelled: number;
        cancelled_units: number;
        last_placed_at: Date | null;
      }>(
        `select region_id,
           count(*) filter (where status = 'placed') as placed,
           coalesce(sum(quantity) filter (where status = 'placed'), 0) as placed_units,
           count(*) filter (where status = 'cancelled') as cancelled,
           coalesce(sum(quantity) filter (where status = 'cancelled'), 0) as cancelled_units,
           max(placed_at) filter (where status = 'placed') as last_placed_at
         from preorders where ${window('placed_at')} group by region_id`,
        filterParams(f),
      )
    ).rows;
  },
  async seriesOfPreorders(db: Queryable, f: SummaryFilter) {
    return (
      await db.query<{
        region_id: string;
        bucket_start: Date;
        placed: number;
        placed_units: number;
        cancelled: number;
      }>(
        `select region_id, date_trunc($5, placed_at, 'UTC') as bucket_start,
           count(*) filter (where status = 'placed') as placed,
           coalesce(sum(quantity) filter (where status = 'placed'), 0) as placed_units,
           count(*) filter (where status = 'cancelled') as cancelled
         from preorders where ${window('placed_at')} group by 1, 2`,
        [...filterParams(f), f.bucket],
      )
    ).rows;
  },
  async summariseSocialSignals(db: Queryable, f: SummaryFilter) {
    return (
      await db.query<{
        region_id: string;
        channel: SocialSignalRecord['channel'];
        metric: SocialSignalRecord['metric'];
        observations: number;
        sum: number;
        last_value: number;
        last_observed_at: Date;
      }>(
        `select region_id, channel, metric, count(*) as observations, sum(value) as sum,
           (array_agg(value order by observed_at desc))[1] as last_value, max(observed_at) as last_observed_at
         from social_signals where ${window('observed_at')} group by region_id, channel, metric order by channel, metric`,
        filterParams(f),
      )
    ).rows;
  },
  async seriesOfSocialSignals(db: Queryable, f: SummaryFilter) {
    return (
      await db.query<{ region_id: string; bucket_start: Date; observations: number; sum: number }>(
        `select region_id, date_trunc($5, observed_at, 'UTC') as bucket_start, count(*) as observations, sum(value) as sum
         from social_signals where ${window('observed_at')} group by 1, 2`,
        [...filterParams(f), f.bucket],
      )
    ).rows;
  },
  async latestTokenHolderSnapshots(db: Queryable, f: SummaryFilter) {
    return (
      await db.query<{ region_id: string; holders: number; tokens: number; observed_at: Date }>(
        `select distinct on (region_id) region_id, holders, tokens, observed_at
         from token_holder_snapshots where ${window('observed_at')} order by region_id, observed_at desc`,
        filterParams(f),
      )
    ).rows;
  },
  async seriesOfTokenHolderSnapshots(db: Queryable, f: SummaryFilter) {
    return (
      await db.query<{ region_id: string; bucket_start: Date; holders: number }>(
        `select region_id, date_trunc($5, observed_at, 'UTC') as bucket_start, (array_agg(holders order by observed_at desc))[1] as holders
         from token_holder_snapshots where ${window('observed_at')} group by 1, 2`,
        [...filterParams(f), f.bucket],
      )
    ).rows;
  },
  /** Inventory events of the drop's SKUs (`skuIds`, the catalog's) per hub × SKU within the filter's window. */
  async summariseInventoryEventsOfDrop(db: Queryable, f: SummaryFilter, skuIds: readonly string[]) {
    return (
      await db.query<{
        hub_id: string;
        sku_id: string;
        events: number;
        received: number;
        reserved: number;
        released: number;
        shipped: number;
        adjusted: number;
        last_occurred_at: Date;
      }>(
        `select e.hub_id, e.sku_id, count(*) as events,
           coalesce(sum(e.quantity) filter (where e.type = 'received'), 0) as received,
           coalesce(sum(e.quantity) filter (where e.type = 'reserved'), 0) as reserved,
           coalesce(sum(e.quantity) filter (where e.type = 'released'), 0) as released,
           coalesce(sum(e.quantity) filter (where e.type = 'shipped'), 0) as shipped,
           coalesce(sum(e.quantity) filter (where e.type = 'adjusted'), 0) as adjusted,
           max(e.occurred_at) as last_occurred_at
         from inventory_events e
         where e.sku_id = any($1::text[]) and ($2::timestamptz is null or e.occurred_at >= $2) and ($3::timestamptz is null or e.occurred_at < $3)
         group by e.hub_id, e.sku_id order by e.hub_id, e.sku_id`,
        [skuIds, f.from, f.to],
      )
    ).rows;
  },

  /** Live stock per hub and SKU from inventory events (on hand = received − shipped + adjusted; reserved = reserved − released). */
  async sumLiveStockOfSkus(db: Queryable, skuIds: readonly string[]) {
    return (
      await db.query<{ hub_id: string; sku_id: string; on_hand: number; reserved: number }>(
        `select hub_id, sku_id,
           coalesce(sum(case type when 'received' then quantity when 'shipped' then -quantity when 'adjusted' then quantity else 0 end), 0)::int as on_hand,
           coalesce(sum(case type when 'reserved' then quantity when 'released' then -quantity else 0 end), 0)::int as reserved
         from inventory_events where sku_id = any($1::text[]) group by hub_id, sku_id order by hub_id, sku_id`,
        [skuIds],
      )
    ).rows;
  },

  /** Units of placed (not cancelled) pre-orders with placed_at ≤ asOf per SKU × region, and those of the 24 h before asOf. */
  async sumPreordersAsOf(db: Queryable, dropId: string, asOf: Date) {
    return (
      await db.query<{ sku_id: string; region_id: string; units: number; velocity: number }>(
        `select sku_id, region_id, sum(quantity) as units,
           coalesce(sum(quantity) filter (where placed_at > $2::timestamptz - interval '24 hours'), 0) as velocity
         from preorders where drop_id = $1 and status = 'placed' and placed_at <= $2
         group by sku_id, region_id`,
        [dropId, asOf],
      )
    ).rows;
  },
  /** Units of a SKU's placed (not cancelled) pre-orders, of any drop. */
  async sumPlacedPreorderUnitsOfSku(db: Queryable, skuId: string): Promise<number> {
    const { rows } = await db.query<{ units: number }>(
      `select coalesce(sum(quantity), 0)::int as units from preorders where sku_id = $1 and status = 'placed'`,
      [skuId],
    );
    return rows[0]!.units;
  },
  /** Units of a drop's placed (not cancelled) pre-orders per SKU × region. */
  async listPlacedPreorderUnitsBySkuRegion(db: Queryable, dropId: string) {
    return (
      await db.query<{ sku_id: string; region_id: string; quantity: number }>(
        `select sku_id, region_id, sum(quantity)::int as quantity from preorders
         where drop_id = $1 and status = 'placed' group by sku_id, region_id order by sku_id, region_id`,
        [dropId],
      )
    ).rows;
  },
  /** Regions any signal of the drop names (pre-orders, social readings, token-holder snapshots). */
  async listSignalRegionIds(db: Queryable, dropId: string) {
    const { rows } = await db.query<{ region_id: string }>(
      `select region_id from preorders where drop_id = $1
       union select region_id from social_signals where drop_id = $1
       union select region_id from token_holder_snapshots where drop_id = $1
       order by region_id`,
      [dropId],
    );
    return rows.map((r) => r.region_id);
  },
};
