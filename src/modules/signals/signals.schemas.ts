import { z } from 'zod';
import type { Schemas } from '../../http/contract';
import { CHANNELS, SOCIAL_METRICS } from '../../shared/social-vocabulary';
import { pageQuery } from '../../http/pagination';
import { ID_PATTERN } from '../../shared/ids';
import { idSchema } from '../../shared/ids';

/**
 * Shapes of signal rows. One row schema per kind serves the JSON bulk body, NDJSON lines and CSV
 * rows; rules that need the catalog (known SKU, region, hub) live in core/row-rules.ts.
 */
const timestamp = z.iso.datetime({ offset: true });
const MAX_QUANTITY = 1_000_000;
/** The bulk JSON body; larger imports stream NDJSON or CSV. */
export const MAX_JSON_ROWS = 10_000;

export const INVENTORY_EVENT_TYPES = ['received', 'reserved', 'released', 'shipped', 'adjusted'] as const;

const positiveQuantity = z
  .number()
  .int('must be a positive integer')
  .min(1, 'must be a positive integer')
  .max(MAX_QUANTITY);

function oneRegionReference(row: { region_id?: string; postal_code?: string }, ctx: z.RefinementCtx) {
  if (row.region_id === undefined && row.postal_code === undefined)
    ctx.addIssue({ code: 'custom', path: ['region_id'], message: 'give region_id or postal_code' });
  if (row.region_id !== undefined && row.postal_code !== undefined)
    ctx.addIssue({ code: 'custom', path: ['postal_code'], message: 'give region_id or postal_code, not both' });
}

const preorderFields = {
  sku_id: idSchema,
  quantity: positiveQuantity,
  region_id: idSchema.optional(),
  postal_code: z
    .string()
    .min(1)
    .max(16)
    .regex(/^[A-Za-z0-9 -]+$/, 'letters, digits, spaces or "-"')
    .optional(),
  placed_at: timestamp,
  status: z.enum(['placed', 'cancelled']).default('placed'),
};

export const preorderInputSchema = z
  .object(preorderFields)
  .strict()
  .superRefine(oneRegionReference) satisfies z.ZodType<Schemas['PreorderInput']>;

export const preorderRowSchema = z
  .object({ id: idSchema, drop_id: idSchema.optional(), ...preorderFields })
  .strict()
  .superRefine(oneRegionReference) satisfies z.ZodType<Schemas['PreorderRow']>;

const PREORDER_ROW_KEYS = new Set([
  'id',
  'drop_id',
  'sku_id',
  'quantity',
  'region_id',
  'postal_code',
  'placed_at',
  'status',
]);
const POSTAL_CODE = /^[A-Za-z0-9 -]+$/;
const isId = (value: unknown): value is string => typeof value === 'string' && ID_PATTERN.test(value);

/**
 * preorderRowSchema for the rows a million-row import is made of, at a fraction of the cost: the
 * parsed row when it plainly satisfies the schema (same output), undefined otherwise, and then
 * the schema decides, and names the problems. Never accepts what the schema refuses (a property
 * test holds the two together).
 */
export function preorderRowFastPath(value: Record<string, unknown>): PreorderRowInput | undefined {
  for (const key in value) if (!PREORDER_ROW_KEYS.has(key)) return undefined;
  const { id, drop_id, sku_id, quantity, region_id, postal_code, placed_at, status } = value;
  if (!isId(id) || !isId(sku_id) || (drop_id !== undefined && !isId(drop_id))) return undefined;
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY)
    return undefined;
  if (region_id !== undefined) {
    if (postal_code !== undefined || !isId(region_id)) return undefined;
  } else if (
    typeof postal_code !== 'string' ||
    postal_code.length < 1 ||
    postal_code.length > 16 ||
    !POSTAL_CODE.test(postal_code)
  )
    return undefined;
  if (status !== undefined && status !== 'placed' && status !== 'cancelled') return undefined;
  if (typeof placed_at !== 'string' || !timestamp.safeParse(placed_at).success) return undefined;
  const row: PreorderRowInput = { id, sku_id, quantity, placed_at, status: status ?? 'placed' };
  if (drop_id !== undefined) row.drop_id = drop_id;
  if (region_id !== undefined) row.region_id = region_id;
  else row.postal_code = postal_code;
  return row;
}

export const socialSignalRowSchema = z
  .object({
    drop_id: idSchema.optional(),
    region_id: idSchema,
    channel: z.enum(CHANNELS),
    metric: z.enum(SOCIAL_METRICS),
    value: z.number().min(0).finite(),
    observed_at: timestamp,
  })
  .strict() satisfies z.ZodType<Schemas['SocialSignalRow']>;

export const tokenHolderSnapshotRowSchema = z
  .object({
    drop_id: idSchema.optional(),
    region_id: idSchema,
    holders: z.number().int().min(0),
    tokens: z.number().min(0).finite(),
    observed_at: timestamp,
  })
  .strict() satisfies z.ZodType<Schemas['TokenHolderSnapshotRow']>;

export const inventoryEventRowSchema = z
  .object({
    id: idSchema,
    type: z.enum(INVENTORY_EVENT_TYPES),
    hub_id: idSchema,
    sku_id: idSchema,
    quantity: z.number().int('must be an integer').min(-MAX_QUANTITY).max(MAX_QUANTITY),
    occurred_at: timestamp,
  })
  .strict()
  .superRefine((event, ctx) => {
    if (event.type === 'adjusted' ? event.quantity === 0 : event.quantity < 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['quantity'],
        message: event.type === 'adjusted' ? 'must be a non-zero integer' : 'must be a positive integer',
      });
    }
  }) satisfies z.ZodType<Schemas['InventoryEventRow']>;

/** The JSON bulk envelope: rows are checked one by one afterwards so every bad row is named. */
export const batchEnvelopeSchema = z.object({ rows: z.array(z.unknown()).min(1).max(MAX_JSON_ROWS) }).strict();

export const signalSummaryQuerySchema = z
  .object({
    bucket: z.enum(['hour', 'day']).default('day'),
    region_id: idSchema.optional(),
    from: timestamp.optional(),
    to: timestamp.optional(),
  })
  .strict();

export type PreorderInput = z.output<typeof preorderInputSchema>;
export type PreorderRowInput = z.output<typeof preorderRowSchema>;
export type SocialSignalRowInput = z.output<typeof socialSignalRowSchema>;
export type TokenHolderSnapshotRowInput = z.output<typeof tokenHolderSnapshotRowSchema>;
export type InventoryEventRowInput = z.output<typeof inventoryEventRowSchema>;
export type SignalSummaryQuery = z.output<typeof signalSummaryQuerySchema>;

export const preorderListQuerySchema = z.object({
  ...pageQuery,
  sku_id: idSchema.optional(),
  region_id: idSchema.optional(),
  status: z.enum(['placed', 'cancelled']).optional(),
  placed_from: z.iso.datetime({ offset: true }).optional(),
  placed_to: z.iso.datetime({ offset: true }).optional(),
});
export type PreorderListFilter = Omit<z.infer<typeof preorderListQuerySchema>, 'limit' | 'cursor'>;
