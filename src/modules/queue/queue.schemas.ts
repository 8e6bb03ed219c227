import { z } from 'zod';
import type { Schemas } from '../../http/contract';
import { signalHashSchema, tierNameSchema } from '../access';
import { idSchema } from '../../shared/ids';

export const queueJoinInputSchema = z
  .object({
    sku_id: idSchema,
    quantity: z.number().int().min(1).max(100),
    region_id: idSchema.optional(),
    postal_code: z.string().min(1).max(16).optional(),
    tier: tierNameSchema.optional(),
    account_id: z.string().min(1).max(200).optional(),
    device_hash: signalHashSchema.optional(),
    address_hash: signalHashSchema.optional(),
    claim_seconds: z.number().int().min(60).max(3600).default(900),
  })
  .strict()
  .superRefine((input, ctx) => {
    if (!input.region_id === !input.postal_code)
      ctx.addIssue({ code: 'custom', path: ['region_id'], message: 'give exactly one of region_id or postal_code' });
  }) satisfies z.ZodType<Schemas['QueueJoinInput']>;

export type QueueJoinInput = z.output<typeof queueJoinInputSchema>;
