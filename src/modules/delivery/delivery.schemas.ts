import { z } from 'zod';
import type { Schemas } from '../../http/contract';
import { pageQuery } from '../../http/pagination';
import { idSchema } from '../../shared/ids';
import { signalHashSchema } from '../access';

export const holdListQuerySchema = z.object({
  ...pageQuery,
  status: z.enum(['held', 'confirmed', 'released', 'expired']).optional(),
  sku_id: idSchema.optional(),
});

const positiveQuantity = z.coerce
  .number()
  .int('must be a whole number')
  .positive('must be a positive integer')
  .max(100_000);
const where = {
  region_id: idSchema.optional(),
  postal_code: z.string().min(1).max(16).optional(),
};
function exactlyOneDestination(input: { region_id?: string; postal_code?: string }, ctx: z.RefinementCtx) {
  if (!input.region_id === !input.postal_code) {
    ctx.addIssue({ code: 'custom', path: ['region_id'], message: 'give exactly one of region_id or postal_code' });
  }
}

export const estimateQuerySchema = z
  .object({
    sku_id: idSchema,
    quantity: positiveQuantity.default(1),
    ordered_at: z.iso.datetime({ offset: true }).optional(),
    ...where,
  })
  .strict()
  .superRefine(exactlyOneDestination);

export const cartInputSchema = z
  .object({
    ordered_at: z.iso.datetime({ offset: true }).optional(),
    ...where,
    lines: z
      .array(
        z
          .object({
            sku_id: idSchema,
            quantity: z.number().int('must be a whole number').positive('must be a positive integer').max(100_000),
          })
          .strict(),
      )
      .min(1)
      .max(100),
  })
  .strict()
  .superRefine(exactlyOneDestination) satisfies z.ZodType<Schemas['CartEstimateInput']>;

export const holdInputSchema = z
  .object({
    sku_id: idSchema,
    quantity: z.number().int('must be a whole number').positive('must be a positive integer').max(10_000),
    ...where,
    hold_seconds: z.number().int().min(300).max(900).default(600),
    /** collect at this hub in this slot (local pickup): the units are held there and the slot with them */
    pickup: z
      .object({ hub_id: idSchema, slot_start: z.iso.datetime({ offset: true }) })
      .strict()
      .optional(),
    tier: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a tier name: lower case letters, digits, _ or -')
      .optional(),
    account_id: z.string().min(1).max(200).optional(),
    device_hash: signalHashSchema.optional(),
    address_hash: signalHashSchema.optional(),
  })
  .strict()
  .superRefine(exactlyOneDestination) satisfies z.ZodType<Schemas['HoldInput']>;

export type EstimateQuery = z.output<typeof estimateQuerySchema>;
export type CartInput = z.output<typeof cartInputSchema>;
export type HoldInput = z.output<typeof holdInputSchema>;
