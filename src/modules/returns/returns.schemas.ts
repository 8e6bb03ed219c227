import { z } from 'zod';
import type { Schemas } from '../../http/contract';
import { idSchema } from '../../shared/ids';

const reason = z.enum(['unwanted', 'defect', 'wrong_item']) satisfies z.ZodType<Schemas['ReturnReason']>;
const outcome = z.enum(['available', 'discounted', 'repair']) satisfies z.ZodType<Schemas['ReturnOutcome']>;

export const returnInputSchema = z
  .object({
    sku_id: idSchema,
    hub_id: idSchema.optional(),
    region_id: idSchema.optional(),
    quantity: z.number().int('must be a whole number').min(1).max(100_000),
    reason,
  })
  .strict()
  .superRefine((input, ctx) => {
    if (input.hub_id === undefined && input.region_id === undefined)
      ctx.addIssue({ code: 'custom', path: ['hub_id'], message: 'give hub_id or region_id (or both)' });
  }) satisfies z.ZodType<Schemas['ReturnInput']>;

export const returnInspectionSchema = z.object({ outcome }).strict();

export type ReturnInput = z.infer<typeof returnInputSchema>;
