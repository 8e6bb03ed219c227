import { z } from 'zod';
import { idSchema } from '../../shared/ids';
import { pageQuerySchema } from '../../http/pagination';
import type { Schemas } from '../../http/contract';
import { CHANNELS, LEAD_TIMES, SOCIAL_METRICS } from './core/forecast-types';
import { MODEL_ID_PATTERN } from './core/model-registry';

/** GET /v1/forecasts/{forecastId}?region_id=&sku_id= */
export const forecastCellFilterSchema = z
  .object({
    region_id: idSchema.optional(),
    sku_id: idSchema.optional(),
  })
  .strict();

export type ForecastCellFilter = z.output<typeof forecastCellFilterSchema>;

/** POST /v1/drops/{dropId}/forecasts takes no query parameter: `?model=` is refused, not ignored. */
export const forecastListQuerySchema = pageQuerySchema;
export const runForecastQuerySchema = z.object({}).strict();

/** POST /v1/drops/{dropId}/forecasts body (optional). Unknown members are refused. */
export const forecastRequestSchema = z
  .object({
    model: z.string().regex(MODEL_ID_PATTERN, 'a model id, baseline or default').optional(),
    as_of: z.iso.datetime({ offset: true }).optional(),
  })
  .strict() satisfies z.ZodType<Schemas['ForecastRequest']>;

/** POST /v1/models/train body (optional). */
export const trainModelSchema = z
  .object({
    creator_id: idSchema.optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    prior_weight: z.number().min(0).max(10).optional(),
    epochs: z.number().int().min(1).max(200).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.from && v.to && Date.parse(v.to) <= Date.parse(v.from))
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
  }) satisfies z.ZodType<Schemas['TrainModelRequest']>;

/** POST /v1/models/{modelId}/promote body (optional). */
export const promoteModelSchema = z
  .object({ pin: z.boolean().optional(), reason: z.string().max(500).optional() })
  .strict() satisfies z.ZodType<Schemas['PromoteModelRequest']>;

/**
 * One row of a history import (CSV columns or JSON members): a past drop × SKU × region with its
 * realised demand and, optionally, its signals at the lead times 7, 3 and 1 days before opening.
 *
 * | column | required | meaning |
 * |---|---|---|
 * | drop_id, creator_id, sku_id, region_id | yes | ids (1–64 letters, digits, `.`, `_`, `:`, `-`) |
 * | opens_at, closes_at | yes | ISO 8601 instants with offset; closes_at after opens_at; the same on every row of a drop |
 * | price | yes | unit price ≥ 0, the same on every row of a SKU |
 * | realised_demand | yes | integer ≥ 0: units ordered in the region during the drop, pre-orders included |
 * | preorders_{7,3,1}d | no (0) | cumulative placed pre-orders of the cell at that lead |
 * | velocity_{7,3,1}d | no (0) | pre-orders of the cell in the 24 h before that lead |
 * | token_holders_{7,3,1}d | no | token holders of the region at that lead; none of these columns at a lead: the kind is missing there |
 * | social_{7,3,1}d_{channel}_{metric} | no | cumulative engagement of the region; channel ∈ telegram, tiktok, instagram, discord, youtube, other; metric ∈ mentions, views, likes, shares, rsvps. A row with any social column at a lead keeps social there (absent ones are 0); a drop with none at a lead has no social signal there (missing, not zero) |
 *
 * Unknown columns are refused (a typo never silently drops data).
 */
const count = z.number().int().min(0);
const leadColumns = (name: string) => Object.fromEntries(LEAD_TIMES.map((L) => [`${name}_${L}d`, count.optional()]));
export const SOCIAL_COLUMNS = LEAD_TIMES.flatMap((L) =>
  CHANNELS.flatMap((ch) => SOCIAL_METRICS.map((m) => `social_${L}d_${ch}_${m}`)),
);

export const historyRowSchema = z
  .object({
    drop_id: idSchema,
    creator_id: idSchema,
    sku_id: idSchema,
    region_id: idSchema,
    opens_at: z.iso.datetime({ offset: true }),
    closes_at: z.iso.datetime({ offset: true }),
    price: z.number().min(0).finite(),
    realised_demand: count,
    ...leadColumns('preorders'),
    ...leadColumns('velocity'),
    ...leadColumns('token_holders'),
    ...Object.fromEntries(SOCIAL_COLUMNS.map((c) => [c, z.number().min(0).finite().optional()])),
  })
  .strict()
  .superRefine((row, ctx) => {
    if (Date.parse(row.closes_at) <= Date.parse(row.opens_at))
      ctx.addIssue({ code: 'custom', path: ['closes_at'], message: 'must be after opens_at' });
  });

export type HistoryRowInput = z.output<typeof historyRowSchema>;

/** Columns a CSV import parses as numbers. */
export const HISTORY_NUMERIC_COLUMNS: ReadonlySet<string> = new Set([
  'price',
  'realised_demand',
  ...['preorders', 'velocity', 'token_holders'].flatMap((n) => LEAD_TIMES.map((L) => `${n}_${L}d`)),
  ...SOCIAL_COLUMNS,
]);
