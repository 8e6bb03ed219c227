import { z } from 'zod';
import type { Schemas } from '../../http/contract';
import { pageQuery } from '../../http/pagination';
import { overridesCostRules, scopedCostShiftSchema } from '../catalog';
import { idSchema } from '../../shared/ids';

const solver = z.enum(['auto', 'fast', 'lp']) satisfies z.ZodType<Schemas['PlanSolverChoice']>;

export const planRequestSchema = z.object({ solver: solver.optional() }).strict() satisfies z.ZodType<
  Schemas['PlanRequest']
>;

export const publishRequestSchema = z
  .object({ replan_conflicting: z.boolean().default(false) })
  .strict() satisfies z.ZodType<Schemas['PublishRequest']>;

/** A demand multiplier: 0 (no demand) to 10 (ten times the forecast). */
const multiplier = z.number().min(0).max(10);

export const planOverridesSchema = z
  .object({
    hub_capacities: z
      .array(z.object({ hub_id: idSchema, capacity_units: z.number().int().min(0) }).strict())
      .max(1000)
      .optional(),
    unavailable_supplier_ids: z.array(idSchema).max(1000).optional(),
    promise_business_days: z.number().int().min(0).max(60).optional(),
    demand_multipliers: z
      .object({
        drop: multiplier.optional(),
        regions: z
          .array(z.object({ region_id: idSchema, multiplier }).strict())
          .max(1000)
          .superRefine((items, ctx) => {
            const seen = new Set<string>();
            items.forEach((item, i) => {
              if (seen.has(item.region_id))
                ctx.addIssue({
                  code: 'custom',
                  path: [i, 'region_id'],
                  message: `duplicate region '${item.region_id}'`,
                });
              seen.add(item.region_id);
            });
          })
          .optional(),
      })
      .strict()
      .optional(),
    cost_shifts: z.array(scopedCostShiftSchema).max(1000).optional(),
  })
  .strict() satisfies z.ZodType<Schemas['PlanOverrides']>;

export const whatIfRequestSchema = z
  .object({ solver: solver.optional(), overrides: planOverridesSchema })
  .strict() satisfies z.ZodType<Schemas['WhatIfRequest']>;

/** The cost rules of a what-if's overrides (422 when broken), after its shape. */
export const whatIfCostRules = z.object({ overrides: overridesCostRules });

export const planListQuerySchema = z.object({
  ...pageQuery,
  status: z.enum(['draft', 'published', 'superseded', 'what_if']).optional(),
});
export const compareQuerySchema = z.object({ a: idSchema, b: idSchema });

const format = z.enum(['json', 'csv']).optional();
export const hubPlanQuerySchema = z.object({ format });
export const partnerAllocationsQuerySchema = z.object({ drop_id: idSchema, partner_id: idSchema.optional(), format });
