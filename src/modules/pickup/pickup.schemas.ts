import { z } from 'zod';
import type { Schemas } from '../../http/contract';
import { idSchema } from '../../shared/ids';
import { overlappingIntervals } from './core/pickup-slots';

/** Every rule of a pickup offer is checked at once and answered 422 naming the field (nothing written). */
const hour = z.number().finite().min(0, 'must be an hour 0–24').max(24, 'must be an hour 0–24');

export const openingIntervalSchema = z
  .object({
    weekday: z.number().int().min(1, 'must be an ISO weekday 1–7').max(7, 'must be an ISO weekday 1–7'),
    opens: hour,
    closes: hour,
  })
  .strict()
  .superRefine((interval, ctx) => {
    if (interval.closes <= interval.opens)
      ctx.addIssue({ code: 'custom', path: ['closes'], message: 'must be after opens' });
  });

export const hubPickupInputSchema = z
  .object({
    address_label: z.string().min(1).max(300),
    slot_minutes: z.number().int('must be a whole number').min(5, 'must be 5–1440').max(1440, 'must be 5–1440'),
    units_per_slot: z.number().int('must be a whole number').positive('must be at least 1').max(1_000_000),
    opening_hours: z.array(openingIntervalSchema).max(100),
    region_ids: z.array(idSchema).max(10_000).nullable().optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    for (const i of overlappingIntervals(input.opening_hours))
      ctx.addIssue({
        code: 'custom',
        path: ['opening_hours', i, 'opens'],
        message: 'overlaps another opening interval of the same weekday',
      });
  }) satisfies z.ZodType<Schemas['HubPickupInput']>;

export const pickupSharesInputSchema = z
  .object({
    shares: z
      .array(
        z
          .object({
            region_id: idSchema,
            share: z.number().finite().min(0, 'must be 0–1').max(1, 'must be 0–1'),
          })
          .strict(),
      )
      .max(10_000),
  })
  .strict()
  .superRefine((input, ctx) => {
    const seen = new Set<string>();
    input.shares.forEach((s, i) => {
      if (seen.has(s.region_id))
        ctx.addIssue({
          code: 'custom',
          path: ['shares', i, 'region_id'],
          message: `duplicate region '${s.region_id}'`,
        });
      seen.add(s.region_id);
    });
  }) satisfies z.ZodType<Schemas['PickupSharesInput']>;

export type HubPickupInput = z.output<typeof hubPickupInputSchema>;
export type PickupSharesInput = z.output<typeof pickupSharesInputSchema>;
