import type { Database, Queryable } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import type { Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import type { CatalogService } from '../catalog/catalog.service';
import { ingestBatch, type BatchOptions, type IngestCounts } from './core/batch-ingest';
import { createPostalMapper } from './core/postal-mapper';
import type { ParsedRecord } from './core/record-stream';
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
import { signalsRepository as repo, type PreorderRow } from './signals.repository';
import {
  inventoryEventRowSchema,
  preorderRowSchema,
  socialSignalRowSchema,
  tokenHolderSnapshotRowSchema,
  type PreorderInput,
  type SignalSummaryQuery,
} from './signals.schemas';

const UNIQUE_VIOLATION = '23505';

/** Where import records come from: a JSON array (one batch) or a parsed stream. */
export type RecordSource = AsyncIterable<ParsedRecord[]> | Iterable<ParsedRecord[]>;

/** Tuning and observation of one import (the CLI shows progress; the single PUT names fields plainly). */
export interface ImportOptions {
  chunkSize?: number;
  onProgress?: (rowsSeen: number) => void;
  pathOf?: BatchOptions<unknown>['pathOf'];
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
  deps: { catalog: Pick<CatalogService, 'visibleDrop'>; clock: Clock },
) {
  const { catalog, clock } = deps;

  async function dropCatalog(tx: Queryable, principal: Principal, dropId: string): Promise<DropCatalog> {
    await catalog.visibleDrop(principal, dropId, tx);
    // One after another: a transaction is one connection, which runs one query at a time.
    const skuIds = await repo.listSkuIdsOfDrop(tx, dropId);
    const regionIds = await repo.listRegionIds(tx);
    const prefixes = await repo.listPostalPrefixes(tx);
    return {
      dropId,
      skuIds,
      regionIds,
      regionOfPostalCode: createPostalMapper(prefixes),
      latestAllowedMs: clock.now().getTime() + FUTURE_TOLERANCE_MS,
    };
  }

  /** Runs one import in one transaction; a rejected batch throws, so the transaction rolls back. */
  async function runImport<Row>(
    tx: Queryable,
    records: RecordSource,
    options: ImportOptions,
    batch: Omit<BatchOptions<Row>, 'records'>,
  ): Promise<IngestCounts> {
    const outcome = await ingestBatch<Row>({
      ...batch,
      records,
      chunkSize: options.chunkSize,
      onProgress: options.onProgress,
      pathOf: options.pathOf,
    });
    if (!outcome.ok) throw rejected(outcome);
    return outcome.counts;
  }

  /**
   * A chunk is first tried as a plain insert (a fresh import, the common case for large files,
   * skips the per-row cost of speculative insertion); when some id is already stored, the
   * savepoint undoes the attempt and the chunk, and every later chunk of this import (likely a
   * replay), is upserted instead.
   */
  async function writePreorders(
    tx: Queryable,
    dropId: string,
    rows: PreorderRecord[],
    strategy: { plainInsert: boolean },
  ) {
    const columns = repo.preorderColumns(rows);
    if (!strategy.plainInsert) return repo.upsertPreorders(tx, dropId, columns);
    await tx.query('savepoint preorder_chunk');
    try {
      const written = await repo.insertNewPreorders(tx, dropId, columns);
      await tx.query('release savepoint preorder_chunk');
      return written;
    } catch (error) {
      if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      await tx.query('rollback to savepoint preorder_chunk');
      strategy.plainInsert = false;
      return repo.upsertPreorders(tx, dropId, columns);
    }
  }

  async function importPreorders(
    principal: Principal,
    dropId: string,
    records: RecordSource,
    options: ImportOptions = {},
  ): Promise<IngestCounts> {
    return db.transaction(async (tx) => {
      const ctx = await dropCatalog(tx, principal, dropId);
      const strategy = { plainInsert: true };
      return runImport(tx, records, options, {
        check: rowCheck(preorderRowSchema, preorderRule(ctx)),
        keyOf: preorderKey,
        merge: mergePreorders,
        write: (rows) => writePreorders(tx, dropId, rows, strategy),
      });
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
      return db.transaction(async (tx) => {
        const ctx = await dropCatalog(tx, principal, dropId);
        return runImport(tx, records, options, {
          check: rowCheck(socialSignalRowSchema, socialSignalRule(ctx)),
          keyOf: socialSignalKey,
          write: (rows) => repo.upsertSocialSignals(tx, dropId, rows),
        });
      });
    },

    async importTokenHolderSnapshots(
      principal: Principal,
      dropId: string,
      records: RecordSource,
      options: ImportOptions = {},
    ) {
      return db.transaction(async (tx) => {
        const ctx = await dropCatalog(tx, principal, dropId);
        const shape = rowCheck(tokenHolderSnapshotRowSchema, tokenHolderSnapshotRule(ctx));
        // Wallet data is refused before the shape check, so the problem says why, not just "unknown field".
        const check: typeof shape = (value) => {
          const wallets = findWalletData(value);
          return wallets.length > 0
            ? { problems: wallets.map((w) => ({ field: w.path, message: w.message })) }
            : shape(value);
        };
        return runImport(tx, records, options, {
          check,
          keyOf: tokenHolderSnapshotKey,
          write: (rows) => repo.upsertTokenHolderSnapshots(tx, dropId, rows),
        });
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
      return db.transaction(async (tx) => {
        const hubIds = await repo.listHubIds(tx, principal.role === 'partner' ? principal.partnerId : null);
        const skuIds = await repo.listSkuIds(tx, principal.role === 'storefront' ? principal.creatorId : null);
        const check = rowCheck(
          inventoryEventRowSchema,
          inventoryEventRule({
            hubIds,
            isKnownSku: (id) => skuIds.has(id),
            allowedTypes,
            latestAllowedMs: clock.now().getTime() + FUTURE_TOLERANCE_MS,
          }),
        );
        return runImport(tx, records, options, {
          check,
          keyOf: inventoryEventKey,
          merge: keepFirst,
          write: (rows) => repo.insertInventoryEvents(tx, sender, rows),
        });
      });
    },

    /** Sets or rotates a partner's signing secret; the secret is returned this once. */
    async rotatePartnerSigningSecret(partnerId: string): Promise<Schemas['PartnerSigningSecret']> {
      return db.transaction(async (tx) => {
        const found = await tx.query('select 1 from partners where id = $1', [partnerId]);
        if (found.rowCount === 0) throw notFound('partner', partnerId);
        const secret = generateSigningSecret();
        const row = await repo.upsertPartnerSigningSecret(tx, partnerId, secret);
        return { partner_id: partnerId, secret, created_at: row.created_at.toISOString() };
      });
    },

    /**
     * Checks a partner's HMAC signature over the raw body. Unknown partner, no secret, bad
     * signature and stale timestamp are all 401; the detail never says whether the partner exists.
     */
    async verifyPartnerSignature(
      partnerId: string,
      headers: { timestamp?: string; signature?: string },
      body: Buffer,
    ): Promise<Principal> {
      const secret = await repo.findPartnerSigningSecret(db, partnerId);
      const check = verifySignature({
        secret: secret ?? '',
        timestampHeader: headers.timestamp,
        signatureHeader: headers.signature,
        body,
        now: clock.now(),
      });
      if (!secret || !check.ok) {
        const detail =
          !check.ok && check.reason !== 'bad_signature'
            ? check.detail
            : 'The request signature does not match the body';
        throw new AppError('unauthorized', detail, {
          extensions: { reason: check.ok ? 'bad_signature' : check.reason },
        });
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
          repo.summariseInventoryEventsOfDrop(db, f),
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
  };
}

export type SignalsService = ReturnType<typeof createSignalsService>;
