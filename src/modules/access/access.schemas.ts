import { z } from 'zod';
import type { Schemas } from '../../http/contract';
import { idSchema } from '../../shared/ids';

export const tierNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a tier name: lower case letters, digits, _ or -');

const limit = z.number().int('must be a whole number').min(1, 'a limit is at least 1').max(1_000_000);

export const dropAccessInputSchema = z
  .object({
    tiers: z
      .array(
        z
          .object({
            name: tierNameSchema,
            window: z
              .object({ starts_at: z.iso.datetime({ offset: true }), ends_at: z.iso.datetime({ offset: true }) })
              .strict(),
            reserves: z
              .array(
                z
                  .object({
                    sku_id: idSchema,
                    region_id: idSchema.nullable().optional(),
                    share: z.number().gt(0, 'a share is more than 0').max(1, 'a share is at most 1'),
                  })
                  .strict(),
              )
              .max(1000)
              .optional(),
          })
          .strict(),
      )
      .max(10),
    account_limits: z
      .object({
        per_drop: limit.nullable().optional(),
        per_sku: z
          .array(z.object({ sku_id: idSchema, quantity: limit }).strict())
          .max(500)
          .optional(),
      })
      .strict()
      .optional(),
    abuse_threshold: z
      .number()
      .gt(0, 'a threshold is more than 0 (leave it out, or null, for no threshold)')
      .max(1000)
      .nullable()
      .optional(),
  })
  .strict() satisfies z.ZodType<Schemas['DropAccessInput']>;

/** A storefront's opaque hash of the buyer's device or address (hashed again before storage). */
export const signalHashSchema = z.string().min(8, 'at least 8 characters').max(200);

export type DropAccessInput = z.output<typeof dropAccessInputSchema>;
