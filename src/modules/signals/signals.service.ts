import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import { pageOf, type Page, type PageRequest } from '../../http/pagination';
import type { Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import type { CatalogService } from '../catalog';
import {
  ingestBatch,
  ingestEncoded,
  type BatchOptions,
  type IngestCounts,
  type RowCheck,
  type WriteCounts,
} from './core/batch-ingest';
import { createPostalMapper } from './core/postal-mapper';
import { LineTooLongError, type ParsedRecord } from '../../shared/record-stream';
import {
  FUTURE_TOLERANCE_MS,
  inventoryEventKey,
  inventoryEventRule,
  inventoryEventTypesFor,
  keepFirst,
  mergePreorders,
  preorderKey,
  preorderRule,
  rowCheck,
  socialSignalKey,
  socialSignalRule,
  tokenHolderSnapshotKey,
  tokenHolderSnapshotRule,
  type DropCatalog,
  type PreorderRecord,
} from './core/row-rules';
import { buildSignalSummary } from './core/signal-summary';
import { generateSigningSecret, verifySignature } from './core/signing';
import { findWalletData } from './core/wallet-guard';
import { signalsRepository as repo, type PreorderRow, type StagedChunk } from './signals.repository';
import {
  inventoryEventRowSchema,
  preorderRowFastPath,
  preorderRowSchema,
  socialSignalRowSchema,
  tokenHolderSnapshotRowSchema,
  type PreorderInput,
  type PreorderListFilter,
  type SignalSummaryQuery,
} from './signals.schemas';

/** A staged chunk this old belongs to an import that will never finish (its process died). */
export const STALE_IMPORT_MS = 24 * 60 * 60 * 1000;

/** Where import records come from: a JSON array (one batch) or a parsed stream. */
export type RecordSource = AsyncIterable<ParsedRecord[]> | Iterable<ParsedRecord[]>;

/** Tuning and observation of one import (the CLI shows progress; the single PUT names fields plainly). */
export interface ImportOptions {
  chunkSize?: number;
  onProgress?: (rowsSeen: number) => void;
  pathOf?: BatchOptions<unknown>['pathOf'];
  /**
   * Longest wait for the next records while the import holds a database transaction (the
   * PostgreSQL pre-order path): a client that stalls longer gets 408 and the transaction ends, so
   * a trickled upload cannot hold a pooled connection for long.
   */
  stallTimeoutMs?: number;
}

/** The records, failing with 408 when the next batch takes longer than `stallMs` to arrive. */
async function* withStallDeadline(records: RecordSource, stallMs: number): AsyncGenerator<ParsedRecord[]> {
  const iterator = Symbol.asyncIterator in records ? records[Symbol.asyncIterator]() : records[Symbol.iterator]();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new AppError('request_timeout', `The upload paused for more than ${stallMs} ms; send it again`, {
                extensions: { stall_timeout_ms: stallMs },
              }),
            ),
          stallMs,
        );
      });
      try {
        const next = await Promise.race([Promise.resolve(iterator.next()), stalled]);
        if (next.done) return;
        yield next.value;
      } finally {
        clearTimeout(timer);
      }
    }
  } finally {
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

export const toPreorder = (row: PreorderRow): Schemas['Preorder'] => ({
  id: row.id,
  drop_id: row.drop_id,
  sku_id: row.sku_id,
  region_id: row.region_id,
  quantity: row.quantity,
  placed_at: row.placed_at.toISOString(),
  status: row.status,
  received_at: row.received_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

/** The 422 of a rejected import: every bad row named, nothing written. */
function rejected(outcome: {
  errors: { path: string; message: string }[];
  rejectedRows: number;
  rows: number;
}): AppError {
  const listed = outcome.errors.length;
  return new AppError(
    'unprocessable',
    `${outcome.rejectedRows} of ${outcome.rows} row(s) are invalid, so nothing was written${listed < outcome.rejectedRows ? ` (the first ${listed} problems are listed)` : ''}`,
    { errors: outcome.errors, extensions: { rejected_rows: outcome.rejectedRows, rows: outcome.rows } },
  );
}

/** A line too long for the import as its 413; any other error unchanged. */
function importError(error: unknown): unknown {
  if (!(error instanceof LineTooLongError)) return error;
  return new AppError('payload_too_large', `Line ${error.line} is longer than ${error.limitBytes} bytes`, {
    errors: [{ path: `line ${error.line}`, message: `longer than ${error.limitBytes} bytes` }],
    extensions: { line: error.line, limit_bytes: error.limitBytes },
  });
}

const badSignature = () =>
  new AppError('unauthorized', 'The request signature does not match the body', {
    extensions: { reason: 'bad_signature' },
  });

/** Who sent an inventory event, as stored: 'partner:<id>', 'creator:<id>' (its storefronts) or 'admin'. */
export function eventSenderOf(principal: Principal): string {
  switch (principal.role) {
    case 'admin':
      return 'admin';
    case 'partner':
      return `partner:${principal.partnerId}`;
    case 'creator':
    case 'storefront':
      return `creator:${principal.creatorId}`;
  }
}

export function createSignalsService(
  db: Database,
  deps: {
    catalog: Pick<
      CatalogService,
      | 'visibleDrop'
      | 'partnerExists'
      | 'skuIdsOfDrop'
      | 'skuIdsOfCreator'
      | 'regionIds'
      | 'postalPrefixes'
      | 'hubIdsOperatedBy'
    >;
    clock: Clock;
  },
) {
  const { catalog, clock } = deps;

  /**
   * What an import's rows may name, read from the catalog once per import (never per row) and
   * checked in memory.
   */
  async function dropCatalog(q: Queryable, principal: Principal, dropId: string): Promise<DropCatalog> {
    await catalog.visibleDrop(principal, dropId, q);
    const skuIds = await catalog.skuIdsOfDrop(dropId, q);
    const regionIds = await catalog.regionIds(q);
    const prefixes = await catalog.postalPrefixes(q);
    return {
      dropId,
      skuIds,
      regionIds,
      regionOfPostalCode: createPostalMapper(prefixes),
      latestAllowedMs: clock.now().getTime() + FUTURE_TOLERANCE_MS,
    };
  }

  /**
   * One import, all-or-nothing, without holding the database while the body arrives: each chunk of
   * valid rows, once fully received, is staged in one short statement (migration 0010); when the
   * body has ended and every row checked out, one transaction merges the staged chunks in order
   * into the real table. A rejected, aborted or failed import leaves nothing but its staged chunks,
   * which are dropped here (or by the sweep job if this process dies first).
   */
  async function stagedImport<Row>(
    records: RecordSource,
    options: ImportOptions,
    batch: Omit<BatchOptions<Row>, 'records' | 'write'> & {
      columnsOf: (rows: Row[]) => readonly string[];
      mergeChunk: (tx: Queryable, staged: StagedChunk) => Promise<WriteCounts>;
    },
  ): Promise<IngestCounts> {
    const importId = randomUUID();
    let chunks = 0;
    try {
      const outcome = await ingestBatch<Row>({
        ...batch,
        records,
        chunkSize: options.chunkSize,
        onProgress: options.onProgress,
        pathOf: options.pathOf,
        write: async (rows) => {
          const chunk = chunks++;
          await repo.stageChunk(db, importId, chunk, batch.columnsOf(rows));
          return { created: 0, updated: 0 };
        },
      });
      if (!outcome.ok) throw rejected(outcome);
      const written = await db.transaction(async (tx) => {
        const total = { created: 0, updated: 0 };
        for (let chunk = 0; chunk < chunks; chunk++) {
          const counts = await batch.mergeChunk(tx, { importId, chunk });
          total.created += counts.created;
          total.updated += counts.updated;
        }
        return total;
      });
      const { rows } = outcome.counts;
      return { rows, ...written, unchanged: rows - written.created - written.updated };
    } catch (error) {
      throw importError(error);
    } finally {
      if (chunks > 0) await repo.discardStagedChunks(db, importId).catch(() => undefined);
    }
  }

  /**
   * A chunk is first tried as a plain insert (a fresh import, the common case for large files,
   * skips the per-row cost of speculative insertion); when some id is already stored, the
   * savepoint undoes the attempt and the chunk, and every later chunk of this import (likely a
   * replay), is upserted instead.
   */
  async function mergePreorderChunk(
    tx: Queryable,
    dropId: string,
    staged: StagedChunk,
    strategy: { plainInsert: boolean },
  ): Promise<WriteCounts> {
    if (!strategy.plainInsert) return repo.upsertPreorders(tx, dropId, staged);
    const written = await repo.tryInsertNewPreorders(tx, dropId, staged);
    if (written) return written;
    strategy.plainInsert = false;
    return repo.upsertPreorders(tx, dropId, staged);
  }

  /**
   * The pre-order import on PostgreSQL, at the pace of COPY and in bounded memory: one
   * transaction, opened when the import starts, takes each chunk as soon as it is checked (one
   * chunk in flight while the next is parsed, so Node and the database work side by side). Each
   * row is encoded as a line of COPY text the moment it checks out (ingestEncoded): the service
   * holds two chunks of bytes, never a chunk of row objects, however many rows arrive. A chunk is
   * COPYed straight into the table under a savepoint (a fresh import, the common case for large
   * files); when an id is already stored or repeats within the chunk, the savepoint undoes it and
   * the chunk is decoded, merged by id and upserted instead, and when the chunk had no repeat (so
   * the id was stored: a replay) every later chunk is upserted straight away. A bad row stops the
   * writing and the transaction is rolled back: all-or-nothing, and nothing to sweep. The price is
   * one pooled connection held while the body arrives (bounded by the per-key import limit).
   */
  async function streamedPreorderImport(
    tx: Queryable,
    dropId: string,
    records: RecordSource,
    options: ImportOptions,
    check: RowCheck<PreorderRecord>,
  ): Promise<IngestCounts> {
    let plainInsert = true;
    const outcome = await ingestEncoded<PreorderRecord>({
      records,
      check,
      encode: (row) => repo.preorderCopyLine(dropId, row),
      chunkSize: options.chunkSize,
      onProgress: options.onProgress,
      pathOf: options.pathOf,
      write: async (chunk) => {
        if (plainInsert) {
          const copied = await repo.tryCopyPreorderLines(tx, chunk.bytes);
          if (copied) return copied;
        }
        const merged = new Map<string, PreorderRecord>();
        for (const row of repo.preordersOfCopyLines(chunk.bytes)) {
          const earlier = merged.get(preorderKey(row));
          merged.set(preorderKey(row), earlier === undefined ? row : mergePreorders(earlier, row));
        }
        // A chunk without repeats failed on an id already stored: a replay, so upsert from now on.
        if (merged.size === chunk.rows) plainInsert = false;
        return repo.upsertPreorderRows(tx, dropId, [...merged.values()]);
      },
    });
    if (!outcome.ok) throw rejected(outcome);
    return outcome.counts;
  }

  async function importPreorders(
    principal: Principal,
    dropId: string,
    records: RecordSource,
    options: ImportOptions = {},
  ): Promise<IngestCounts> {
    const ctx = await dropCatalog(db, principal, dropId);
    const check = rowCheck(preorderRowSchema, preorderRule(ctx), preorderRowFastPath);
    // PGlite is one session: a transaction held while a body arrives would stall every other
    // request, so there the import stages its chunks and merges them at the end.
    if (db.engine === 'postgres') {
      try {
        const guarded = options.stallTimeoutMs ? withStallDeadline(records, options.stallTimeoutMs) : records;
        return await db.transaction((tx) => streamedPreorderImport(tx, dropId, guarded, options, check));
      } catch (error) {
        throw importError(error);
      }
    }
    const strategy = { plainInsert: true };
    return stagedImport(records, options, {
      check,
      keyOf: preorderKey,
      merge: mergePreorders,
      columnsOf: (rows) => repo.preorderColumns(rows),
      mergeChunk: (tx, staged) => mergePreorderChunk(tx, dropId, staged, strategy),
    });
  }

  return {
    importPreorders,

    async putPreorder(principal: Principal, dropId: string, preorderId: string, input: PreorderInput) {
      const counts = await importPreorders(principal, dropId, [[{ index: 0, value: { ...input, id: preorderId } }]], {
        pathOf: (_index, field) => (field === 'id' ? 'preorderId' : (field ?? '(body)')),
      });
      const row = await repo.findPreorder(db, dropId, preorderId);
      return { resource: toPreorder(row!), created: counts.created === 1 };
    },

    async listPreorders(
      principal: Principal,
      dropId: string,
      filter: PreorderListFilter,
      page: PageRequest,
    ): Promise<Page<Schemas['Preorder']>> {
      await catalog.visibleDrop(principal, dropId);
      const rows = await repo.listPreorders(
        db,
        dropId,
        {
          skuId: filter.sku_id,
          regionId: filter.region_id,
          status: filter.status,
          placedFrom: filter.placed_from,
          placedTo: filter.placed_to,
        },
        page,
      );
      return pageOf(rows, page, (r) => [r.page_placed_at, r.id], toPreorder);
    },

    async getPreorder(principal: Principal, dropId: string, preorderId: string) {
      await catalog.visibleDrop(principal, dropId);
      const row = await repo.findPreorder(db, dropId, preorderId);
      if (!row) throw notFound('pre-order', preorderId);
      return toPreorder(row);
    },

    async importSocialSignals(
      principal: Principal,
      dropId: string,
      records: RecordSource,
      options: ImportOptions = {},
    ) {
      const ctx = await dropCatalog(db, principal, dropId);
      return stagedImport(records, options, {
        check: rowCheck(socialSignalRowSchema, socialSignalRule(ctx)),
        keyOf: socialSignalKey,
        columnsOf: (rows) => repo.socialSignalColumns(rows),
        mergeChunk: (tx, staged) => repo.upsertSocialSignals(tx, dropId, staged),
      });
    },

    async importTokenHolderSnapshots(
      principal: Principal,
      dropId: string,
      records: RecordSource,
      options: ImportOptions = {},
    ) {
      const ctx = await dropCatalog(db, principal, dropId);
      const shape = rowCheck(tokenHolderSnapshotRowSchema, tokenHolderSnapshotRule(ctx));
      // Wallet data is refused before the shape check, so the problem says why, not just "unknown field".
      const check: typeof shape = (value) => {
        const wallets = findWalletData(value);
        return wallets.length > 0
          ? { problems: wallets.map((w) => ({ field: w.path, message: w.message })) }
          : shape(value);
      };
      return stagedImport(records, options, {
        check,
        keyOf: tokenHolderSnapshotKey,
        columnsOf: (rows) => repo.tokenHolderSnapshotColumns(rows),
        mergeChunk: (tx, staged) => repo.upsertTokenHolderSnapshots(tx, dropId, staged),
      });
    },

    /**
     * Inventory events, identified by (sender, hub, id): the sender is the key's tenant, so one
     * tenant's event can never shadow another's with the same id.
     */
    async importInventoryEvents(principal: Principal, records: RecordSource, options: ImportOptions = {}) {
      if (principal.role === 'creator') throw new AppError('not_found', 'No route POST /v1/inventory-events');
      const sender = eventSenderOf(principal);
      const allowedTypes = inventoryEventTypesFor(principal.role);
      const hubIds = new Set(
        await catalog.hubIdsOperatedBy(principal.role === 'partner' ? principal.partnerId : null, db),
      );
      const skuIds = await catalog.skuIdsOfCreator(principal.role === 'storefront' ? principal.creatorId : null, db);
      const check = rowCheck(
        inventoryEventRowSchema,
        inventoryEventRule({
          hubIds,
          isKnownSku: (id) => skuIds.has(id),
          allowedTypes,
          latestAllowedMs: clock.now().getTime() + FUTURE_TOLERANCE_MS,
        }),
      );
      return stagedImport(records, options, {
        check,
        keyOf: inventoryEventKey,
        merge: keepFirst,
        columnsOf: (rows) => repo.inventoryEventColumns(rows),
        mergeChunk: (tx, staged) => repo.insertInventoryEvents(tx, sender, staged),
      });
    },

    /** Drops staged chunks of imports that never finished (their process died mid-upload). */
    async sweepStagedImports(olderThanMs = STALE_IMPORT_MS): Promise<number> {
      return repo.discardStaleChunks(db, new Date(clock.now().getTime() - olderThanMs));
    },

    /** Sets or rotates a partner's signing secret; the secret is returned this once. */
    async rotatePartnerSigningSecret(partnerId: string): Promise<Schemas['PartnerSigningSecret']> {
      return db.transaction(async (tx) => {
        if (!(await catalog.partnerExists(partnerId, tx))) throw notFound('partner', partnerId);
        const secret = generateSigningSecret();
        const row = await repo.upsertPartnerSigningSecret(tx, partnerId, secret);
        return { partner_id: partnerId, secret, created_at: row.created_at.toISOString() };
      });
    },

    /**
     * What can be checked before the body is read: the signature headers are there, the timestamp
     * is fresh, the partner has a secret. Returns the secret for `verifyPartnerSignatureWith`.
     * Unknown partner, no secret and bad headers are all 401; the detail never says whether the
     * partner exists.
     */
    async partnerSecretForSignedRequest(
      partnerId: string,
      headers: { timestamp?: string; signature?: string },
    ): Promise<string> {
      const early = verifySignature({
        secret: '',
        timestampHeader: headers.timestamp,
        signatureHeader: headers.signature,
        body: '',
        now: clock.now(),
      });
      if (!early.ok && early.reason !== 'bad_signature')
        throw new AppError('unauthorized', early.detail, { extensions: { reason: early.reason } });
      const secret = await repo.findPartnerSigningSecret(db, partnerId);
      if (!secret) throw badSignature();
      return secret;
    },

    /** Checks a partner's HMAC signature over the raw body with its secret; 401 when it does not match. */
    verifyPartnerSignatureWith(
      secret: string,
      partnerId: string,
      headers: { timestamp?: string; signature?: string },
      body: Buffer,
    ): Principal {
      const check = verifySignature({
        secret,
        timestampHeader: headers.timestamp,
        signatureHeader: headers.signature,
        body,
        now: clock.now(),
      });
      if (!check.ok) {
        if (check.reason === 'bad_signature') throw badSignature();
        throw new AppError('unauthorized', check.detail, { extensions: { reason: check.reason } });
      }
      return { keyId: `signature:${partnerId}`, role: 'partner', partnerId };
    },

    async getSignalSummary(
      principal: Principal,
      dropId: string,
      query: SignalSummaryQuery,
    ): Promise<Schemas['SignalSummary']> {
      await catalog.visibleDrop(principal, dropId);
      const f = {
        dropId,
        bucket: query.bucket,
        regionId: query.region_id ?? null,
        from: query.from ?? null,
        to: query.to ?? null,
      };
      const [preorderTotals, preorderSeries, socialTotals, socialSeries, tokenLatest, tokenSeries, inventory] =
        await Promise.all([
          repo.summarisePreorders(db, f),
          repo.seriesOfPreorders(db, f),
          repo.summariseSocialSignals(db, f),
          repo.seriesOfSocialSignals(db, f),
          repo.latestTokenHolderSnapshots(db, f),
          repo.seriesOfTokenHolderSnapshots(db, f),
          catalog.skuIdsOfDrop(dropId, db).then((skuIds) => repo.summariseInventoryEventsOfDrop(db, f, [...skuIds])),
        ]);
      return buildSignalSummary({
        dropId,
        bucket: f.bucket,
        from: f.from && new Date(f.from).toISOString(),
        to: f.to && new Date(f.to).toISOString(),
        preorderTotals,
        preorderSeries,
        socialTotals,
        socialSeries,
        tokenLatest,
        tokenSeries,
        inventory,
      });
    },

    /**
     * The drop's signals as they stood at `asOf` (for the forecaster): per region × channel × metric
     * the latest cumulative social reading at or before it, per region the latest token-holder
     * snapshot, per SKU × region the placed pre-order units and those of the 24 h before it.
     */
    async signalsAsOf(dropId: string, asOf: Date) {
      // The summary windows are half-open [from, to): one millisecond past as-of includes it.
      const f = {
        dropId,
        bucket: 'day' as const,
        regionId: null,
        from: null,
        to: new Date(asOf.getTime() + 1).toISOString(),
      };
      const [social, tokenHolders, preorders] = await Promise.all([
        repo.summariseSocialSignals(db, f),
        repo.latestTokenHolderSnapshots(db, f),
        repo.sumPreordersAsOf(db, dropId, asOf),
      ]);
      return { social, tokenHolders, preorders };
    },

    /** Units of a SKU's placed pre-orders; `q`: the caller's transaction, when the figure guards its write. */
    placedPreorderUnits: (skuId: string, q: Queryable = db): Promise<number> =>
      repo.sumPlacedPreorderUnitsOfSku(q, skuId),
    /** Units of a drop's placed pre-orders per SKU × region (return rates). */
    placedPreorderUnitsByRegion: (dropId: string) => repo.listPlacedPreorderUnitsBySkuRegion(db, dropId),

    /** Regions named by any signal of the drop, by id. */
    signalRegionIds: (dropId: string) => repo.listSignalRegionIds(db, dropId),
  };
}

export type SignalsService = ReturnType<typeof createSignalsService>;
