import type { z } from 'zod';
import { formatFieldPath } from '../../../shared/field-path';
import type {
  InventoryEventRowInput,
  PreorderRowInput,
  SocialSignalRowInput,
  TokenHolderSnapshotRowInput,
} from '../signals.schemas';
import type { RowCheck, RowProblem } from './batch-ingest';

/**
 * Row rules that need the catalog, as pure functions of a catalog snapshot loaded once per batch:
 * known SKU of this drop, known region (or a postal code that maps to one), the right drop,
 * timestamps not in the future. Each check returns the row normalised for storage (instants as
 * ISO 8601 UTC, region resolved) or the problems, named by field.
 */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface PreorderRecord {
  id: string;
  sku_id: string;
  region_id: string;
  quantity: number;
  placed_at: string;
  status: 'placed' | 'cancelled';
}
export interface SocialSignalRecord {
  region_id: string;
  channel: SocialSignalRowInput['channel'];
  metric: SocialSignalRowInput['metric'];
  value: number;
  observed_at: string;
}
export interface TokenHolderSnapshotRecord {
  region_id: string;
  holders: number;
  tokens: number;
  observed_at: string;
}
export interface InventoryEventRecord {
  hub_id: string;
  id: string;
  type: InventoryEventRowInput['type'];
  sku_id: string;
  quantity: number;
  occurred_at: string;
}

export interface DropCatalog {
  dropId: string;
  skuIds: ReadonlySet<string>;
  regionIds: ReadonlySet<string>;
  regionOfPostalCode: (postalCode: string) => string | undefined;
  /** Instants after this (ms since epoch) are refused as in the future. */
  latestAllowedMs: number;
}

export interface EventCatalog {
  /** Hubs the sender may post for. */
  hubIds: ReadonlySet<string>;
  /** SKUs the sender may post for (all SKUs for admin and partners). */
  isKnownSku: (skuId: string) => boolean;
  /** Event types the sender may post, and how to say so when a row has another. */
  allowedTypes: { types: ReadonlySet<InventoryEventRowInput['type']>; refusal: string };
  latestAllowedMs: number;
}

type InventoryEventType = InventoryEventRowInput['type'];
const ALL_EVENT_TYPES: ReadonlySet<InventoryEventType> = new Set([
  'received',
  'reserved',
  'released',
  'shipped',
  'adjusted',
]);
/**
 * Who may post which events. A hub's operator reports everything that happens to its stock; a
 * storefront only the sales side of its creator's SKUs: a sale (`reserved`) and a cancelled sale or a
 * return (`released`). Receipts, shipments and adjustments are the hub's word, never a storefront's.
 */
export function inventoryEventTypesFor(role: 'admin' | 'partner' | 'storefront'): EventCatalog['allowedTypes'] {
  return role === 'storefront'
    ? {
        types: new Set<InventoryEventType>(['reserved', 'released']),
        refusal:
          'a storefront may post only reserved or released events ' +
          '(receipts, shipments and adjustments come from the hub)',
      }
    : { types: ALL_EVENT_TYPES, refusal: '' };
}

/** Zod issues of one row as row problems (unknown fields named one by one). */
export function zodProblems(issues: readonly z.core.$ZodIssue[]): RowProblem[] {
  const problems: RowProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys')
      for (const key of issue.keys) problems.push({ field: key, message: 'unknown field' });
    else
      problems.push({ field: issue.path.length > 0 ? formatFieldPath(issue.path) : undefined, message: issue.message });
  }
  return problems;
}

/**
 * A row check from a shape schema and a catalog rule. `fastPath`, when given, answers the
 * schema's output for rows it plainly accepts (undefined otherwise, and the schema decides).
 */
export function rowCheck<Input, Row>(
  schema: z.ZodType<Input>,
  rule: (input: Input) => Row | RowProblem[],
  fastPath?: (value: Record<string, unknown>) => Input | undefined,
): RowCheck<Row> {
  return (value) => {
    let input = fastPath?.(value);
    if (input === undefined) {
      const parsed = schema.safeParse(value);
      if (!parsed.success) return { problems: zodProblems(parsed.error.issues) };
      input = parsed.data;
    }
    const result = rule(input);
    return Array.isArray(result) ? { problems: result } : { row: result };
  };
}

function notInFuture(value: string, field: string, latestAllowedMs: number, problems: RowProblem[]): number {
  const ms = Date.parse(value);
  if (ms > latestAllowedMs) problems.push({ field, message: 'is in the future' });
  return ms;
}

/** The instant as ISO 8601 UTC, so rows keyed by time merge however the sender wrote the offset. */
function instant(value: string, field: string, latestAllowedMs: number, problems: RowProblem[]): string {
  return new Date(notInFuture(value, field, latestAllowedMs, problems)).toISOString();
}

function sameDrop(dropId: string | undefined, catalog: { dropId: string }, problems: RowProblem[]) {
  if (dropId !== undefined && dropId !== catalog.dropId)
    problems.push({ field: 'drop_id', message: `must be the drop of the request ('${catalog.dropId}')` });
}

function knownRegion(regionId: string, catalog: DropCatalog, problems: RowProblem[]) {
  if (!catalog.regionIds.has(regionId)) problems.push({ field: 'region_id', message: `unknown region '${regionId}'` });
}

export function preorderRule(catalog: DropCatalog) {
  return (row: PreorderRowInput): PreorderRecord | RowProblem[] => {
    const problems: RowProblem[] = [];
    sameDrop(row.drop_id, catalog, problems);
    if (!catalog.skuIds.has(row.sku_id))
      problems.push({ field: 'sku_id', message: `unknown SKU '${row.sku_id}' for this drop` });
    let regionId = row.region_id;
    if (regionId !== undefined) knownRegion(regionId, catalog, problems);
    else if (row.postal_code !== undefined) {
      regionId = catalog.regionOfPostalCode(row.postal_code);
      if (regionId === undefined)
        problems.push({ field: 'postal_code', message: `no region has a postal prefix matching '${row.postal_code}'` });
    }
    // Kept as sent (already checked ISO 8601 with an offset): PostgreSQL normalises it, and the
    // million-row import skips a Date round trip per row. Pre-orders merge by id, not by instant.
    notInFuture(row.placed_at, 'placed_at', catalog.latestAllowedMs, problems);
    if (problems.length > 0) return problems;
    return {
      id: row.id,
      sku_id: row.sku_id,
      region_id: regionId!,
      quantity: row.quantity,
      placed_at: row.placed_at,
      status: row.status,
    };
  };
}

/** Two sends of one pre-order in one import: a cancellation is terminal, otherwise the later wins. */
export function mergePreorders(earlier: PreorderRecord, later: PreorderRecord): PreorderRecord {
  return earlier.status === 'cancelled' && later.status === 'placed' ? earlier : later;
}

export function socialSignalRule(catalog: DropCatalog) {
  return (row: SocialSignalRowInput): SocialSignalRecord | RowProblem[] => {
    const problems: RowProblem[] = [];
    sameDrop(row.drop_id, catalog, problems);
    knownRegion(row.region_id, catalog, problems);
    const observedAt = instant(row.observed_at, 'observed_at', catalog.latestAllowedMs, problems);
    if (problems.length > 0) return problems;
    return {
      region_id: row.region_id,
      channel: row.channel,
      metric: row.metric,
      value: row.value,
      observed_at: observedAt,
    };
  };
}

export function tokenHolderSnapshotRule(catalog: DropCatalog) {
  return (row: TokenHolderSnapshotRowInput): TokenHolderSnapshotRecord | RowProblem[] => {
    const problems: RowProblem[] = [];
    sameDrop(row.drop_id, catalog, problems);
    knownRegion(row.region_id, catalog, problems);
    const observedAt = instant(row.observed_at, 'observed_at', catalog.latestAllowedMs, problems);
    if (problems.length > 0) return problems;
    return { region_id: row.region_id, holders: row.holders, tokens: row.tokens, observed_at: observedAt };
  };
}

export function inventoryEventRule(catalog: EventCatalog) {
  return (row: InventoryEventRowInput): InventoryEventRecord | RowProblem[] => {
    const problems: RowProblem[] = [];
    // A hub or SKU outside the sender's scope reads exactly like one that does not exist.
    if (!catalog.hubIds.has(row.hub_id)) problems.push({ field: 'hub_id', message: `unknown hub '${row.hub_id}'` });
    if (!catalog.isKnownSku(row.sku_id)) problems.push({ field: 'sku_id', message: `unknown SKU '${row.sku_id}'` });
    if (!catalog.allowedTypes.types.has(row.type))
      problems.push({ field: 'type', message: catalog.allowedTypes.refusal });
    const occurredAt = instant(row.occurred_at, 'occurred_at', catalog.latestAllowedMs, problems);
    if (problems.length > 0) return problems;
    return {
      hub_id: row.hub_id,
      id: row.id,
      type: row.type,
      sku_id: row.sku_id,
      quantity: row.quantity,
      occurred_at: occurredAt,
    };
  };
}

export const preorderKey = (row: PreorderRecord) => row.id;
export const socialSignalKey = (row: SocialSignalRecord) =>
  `${row.region_id}\u0000${row.channel}\u0000${row.metric}\u0000${row.observed_at}`;
export const tokenHolderSnapshotKey = (row: TokenHolderSnapshotRecord) => `${row.region_id}\u0000${row.observed_at}`;
/** Within one import (one sender): the sender is the other part of an event's identity. */
export const inventoryEventKey = (row: InventoryEventRecord) => `${row.hub_id}\u0000${row.id}`;
/** Events are immutable facts: the first send of an id wins. */
export const keepFirst = <Row>(earlier: Row) => earlier;
