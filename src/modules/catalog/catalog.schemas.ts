import { z } from 'zod';
import type { Schemas } from '../../http/contract';
import { pageQuery } from '../../http/pagination';
import { idSchema } from '../../shared/ids';
import { normalisePostalCode } from '../../shared/postal-code';

const zoneCache = new Map<string, boolean>();
export function isValidTimeZone(zone: string): boolean {
  let valid = zoneCache.get(zone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      valid = zone.includes('/') || zone === 'UTC';
    } catch {
      valid = false;
    }
    zoneCache.set(zone, valid);
  }
  return valid;
}

export const timeZoneSchema = z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/London');
const name = z.string().min(1).max(200);
const count = z.number().int().min(0);
const timestamp = z.iso.datetime({ offset: true });

/** Flags duplicate values of `key` in an array, naming the second occurrence. */
function noDuplicates<T>(
  items: T[],
  key: (item: T) => string,
  ctx: z.RefinementCtx,
  path: (index: number) => (string | number)[],
  what: string,
) {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const value = key(item);
    if (seen.has(value)) ctx.addIssue({ code: 'custom', path: path(index), message: `duplicate ${what} '${value}'` });
    seen.add(value);
  });
}

/** Optional WGS 84 coordinates (the dashboard map): both or neither. */
const coordinates = {
  latitude: z.number().min(-90).max(90).optional(),
  longitude: z.number().min(-180).max(180).optional(),
};
function bothOrNeither(item: { latitude?: number; longitude?: number }, ctx: z.RefinementCtx) {
  if ((item.latitude === undefined) !== (item.longitude === undefined)) {
    const missing = item.latitude === undefined ? 'latitude' : 'longitude';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'give latitude and longitude together, or neither' });
  }
}

/**
 * Costs are checked in two steps: the shape (a number, a date-time: 400 like every shape error),
 * then the cost rules (never negative, a shift's end not before its start: 422 naming the field),
 * so a well-formed but impossible cost is "unprocessable", as the contract says.
 */
const cost = z.number().finite();
const costShiftFields = {
  from: timestamp,
  to: timestamp,
  surcharge: cost.optional(),
  multiplier: z.number().finite().max(100).optional(),
};
export const costShiftSchema = z.object(costShiftFields).strict() satisfies z.ZodType<Schemas['CostShift']>;
export const scopedCostShiftSchema = z
  .object({ region_id: idSchema, hub_id: idSchema.optional(), ...costShiftFields })
  .strict() satisfies z.ZodType<Schemas['ScopedCostShift']>;
const costShifts = z.array(costShiftSchema).max(100).optional();

/** The cost rules (→ 422), run on input that already has its shape. */
const nonNegative = z.number().min(0, 'must not be negative');
const costShiftRules = z
  .object({ from: z.string(), to: z.string(), surcharge: nonNegative.optional(), multiplier: nonNegative.optional() })
  .superRefine((shift, ctx) => {
    if (Date.parse(shift.to) < Date.parse(shift.from))
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not precede from' });
  });
const costShiftsRules = z.array(costShiftRules).optional();
export const regionCostRules = z.object({ cost_shifts: costShiftsRules });
export const hubCostRules = z.object({
  lanes: z.array(
    z.object({
      shipping_cost_per_unit: nonNegative.optional(),
      shipping_cost_per_shipment: nonNegative.optional(),
      cost_shifts: costShiftsRules,
    }),
  ),
});
/**
 * A supplier's rules (→ 422): costs never negative; capacity by date with calendar dates
 * (YYYY-MM-DD), units never negative, each date once.
 */
export const supplierCostRules = z.object({
  fallback_premium_per_unit: nonNegative.optional(),
  inbound_freight: z.array(z.object({ cost_per_unit: nonNegative })).optional(),
  capacity_by_date: z
    .array(z.object({ date: z.iso.date('must be a calendar date YYYY-MM-DD'), units: nonNegative }))
    .superRefine((entries, ctx) =>
      noDuplicates(
        entries,
        (e) => e.date,
        ctx,
        (i) => [i, 'date'],
        'date',
      ),
    )
    .optional(),
});
export const overridesCostRules = z.object({ cost_shifts: costShiftsRules });

export const creatorInputSchema = z.object({ name }).strict() satisfies z.ZodType<Schemas['CreatorInput']>;
export const partnerInputSchema = z.object({ name }).strict() satisfies z.ZodType<Schemas['PartnerInput']>;

export const regionInputSchema = z
  .object({
    name,
    time_zone: timeZoneSchema,
    weekend_days: z.array(z.number().int().min(1).max(7)).max(6).optional(),
    postal_prefixes: z
      .array(
        z
          .string()
          .min(1)
          .max(16)
          .regex(/^[A-Za-z0-9 -]+$/, 'letters, digits, spaces or "-"'),
      )
      .optional(),
    ...coordinates,
    cost_shifts: costShifts,
  })
  .strict()
  .superRefine((region, ctx) => {
    bothOrNeither(region, ctx);
    noDuplicates(region.weekend_days ?? [], String, ctx, (i) => ['weekend_days', i], 'weekday');
    noDuplicates(
      region.postal_prefixes ?? [],
      normalisePostalCode,
      ctx,
      (i) => ['postal_prefixes', i],
      'postal prefix',
    );
  }) satisfies z.ZodType<Schemas['RegionInput']>;

/** Postal codes and prefixes compare without spaces or dashes, in upper case ("sw1a 1aa" = "SW1A1AA"). */
const transitWindow = { transit_days_min: count, transit_days_max: count };
function minNotAboveMax(window: { transit_days_min: number; transit_days_max: number }, ctx: z.RefinementCtx) {
  if (window.transit_days_max < window.transit_days_min) {
    ctx.addIssue({ code: 'custom', path: ['transit_days_max'], message: 'must be at least transit_days_min' });
  }
}

export const laneSchema = z
  .object({
    region_id: idSchema,
    ...transitWindow,
    shipping_cost_per_unit: cost.optional(),
    shipping_cost_per_shipment: cost.optional(),
    cost_shifts: costShifts,
  })
  .strict()
  .superRefine(minNotAboveMax);

export const hubInputSchema = z
  .object({
    name,
    operator_partner_id: idSchema,
    capacity_units: count,
    time_zone: timeZoneSchema,
    order_cutoff_local: z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'must be local time HH:MM'),
    handling_days: count,
    lanes: z.array(laneSchema).max(10_000),
    ...coordinates,
  })
  .strict()
  .superRefine((hub, ctx) => {
    bothOrNeither(hub, ctx);
    noDuplicates(
      hub.lanes,
      (lane) => lane.region_id,
      ctx,
      (i) => ['lanes', i, 'region_id'],
      'lane region',
    );
  }) satisfies z.ZodType<Schemas['HubInput']>;

export const supplierInputSchema = z
  .object({
    name,
    kind: z.enum(['microfactory', 'offshore', 'warehouse']),
    lead_time_days_min: count,
    lead_time_days_max: count,
    capacity_units: count,
    unit_cost: z.number().min(0).finite(),
    min_order_units: z.number().int().min(1).default(1),
    order_multiple: z.number().int().min(1).default(1),
    fallback_premium_per_unit: cost.optional(),
    inbound_freight: z
      .array(z.object({ hub_id: idSchema, cost_per_unit: cost }).strict())
      .max(10_000)
      .optional(),
    // the shape here (400); calendar dates, units ≥ 0 and each date once are rules (422, supplierCostRules)
    capacity_by_date: z
      .array(z.object({ date: z.string(), units: z.number().int() }).strict())
      .max(1_000)
      .optional(),
  })
  .strict()
  .superRefine((supplier, ctx) => {
    noDuplicates(
      supplier.inbound_freight ?? [],
      (f) => f.hub_id,
      ctx,
      (i) => ['inbound_freight', i, 'hub_id'],
      'hub',
    );
    if (supplier.lead_time_days_max < supplier.lead_time_days_min) {
      ctx.addIssue({ code: 'custom', path: ['lead_time_days_max'], message: 'must be at least lead_time_days_min' });
    }
  }) satisfies z.ZodType<Schemas['SupplierInput']>;

const baselinePathSchema = z
  .object({ region_id: idSchema, handling_days: count, ...transitWindow })
  .strict()
  .superRefine(minNotAboveMax);

export const dropInputSchema = z
  .object({
    creator_id: idSchema,
    name,
    opens_at: timestamp,
    closes_at: timestamp,
    promise_business_days: z.number().int().min(0).max(30),
    status: z.enum(['draft', 'scheduled', 'live', 'closed']).default('scheduled'),
    baseline: z
      .object({ source: z.string().min(1).max(200), paths: z.array(baselinePathSchema).max(10_000) })
      .strict()
      .superRefine((baseline, ctx) =>
        noDuplicates(
          baseline.paths,
          (p) => p.region_id,
          ctx,
          (i) => ['paths', i, 'region_id'],
          'baseline region',
        ),
      ),
  })
  .strict()
  .superRefine((drop, ctx) => {
    if (Date.parse(drop.closes_at) <= Date.parse(drop.opens_at)) {
      ctx.addIssue({ code: 'custom', path: ['closes_at'], message: 'must be after opens_at' });
    }
  }) satisfies z.ZodType<Schemas['DropInput']>;

export const skuInputSchema = z
  .object({
    name,
    price: z.number().min(0).finite(),
    unit_cost: z.number().min(0).finite(),
    sourcing: z
      .array(z.object({ supplier_id: idSchema, units_available: count, available_on: z.iso.date() }).strict())
      .min(1)
      .max(20),
  })
  .strict()
  .superRefine((sku, ctx) =>
    noDuplicates(
      sku.sourcing,
      (s) => s.supplier_id,
      ctx,
      (i) => ['sourcing', i, 'supplier_id'],
      'supplier',
    ),
  ) satisfies z.ZodType<Schemas['SkuInput']>;

export type RegionInput = z.output<typeof regionInputSchema>;
export type HubInput = z.output<typeof hubInputSchema>;
export type SupplierInput = z.output<typeof supplierInputSchema>;
export type DropInput = z.output<typeof dropInputSchema>;
export type SkuInput = z.output<typeof skuInputSchema>;

/** Query of a list route without filters: a page. */
export const dropListQuerySchema = z.object({
  ...pageQuery,
  status: z.enum(['draft', 'scheduled', 'live', 'closed']).optional(),
  creator_id: idSchema.optional(),
});
