import { z } from 'zod';
import type { Schemas } from '../../http/contract';
import { idSchema } from '../catalog/catalog.schemas';

const webhookUrl = z
  .url()
  .max(2000)
  .refine((value) => /^https?:$/.test(new URL(value).protocol), 'must be an http or https URL');
const eventTypes = z.array(z.enum(['plan.published'])).min(1);

export const webhookSubscriptionInputSchema = z
  .object({ partner_id: idSchema, url: webhookUrl, event_types: eventTypes.optional() })
  .strict() satisfies z.ZodType<Schemas['WebhookSubscriptionInput']>;

export const webhookSubscriptionUpdateSchema = z
  .object({ url: webhookUrl.optional(), event_types: eventTypes.optional(), active: z.boolean().optional() })
  .strict() satisfies z.ZodType<Schemas['WebhookSubscriptionUpdate']>;

export const subscriptionListQuerySchema = z.object({ partner_id: idSchema.optional() });
