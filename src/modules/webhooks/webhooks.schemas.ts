import { z } from 'zod';
import type { Schemas } from '../../http/contract';
import { idSchema } from '../../shared/ids';
import { pageQuery } from '../../http/pagination';

/** The URL's protocol, or undefined when it does not parse (never a throw: zod runs every check even after z.url() failed). */
function protocolOf(value: string): string | undefined {
  try {
    return new URL(value).protocol;
  } catch {
    return undefined;
  }
}

const webhookUrl = z
  .url()
  .max(2000)
  .refine((value) => /^https?:$/.test(protocolOf(value) ?? ''), 'must be an http or https URL');
const eventTypes = z.array(z.enum(['plan.published', 'queue.offer'])).min(1);

export const webhookSubscriptionInputSchema = z
  .object({
    partner_id: idSchema.optional(),
    creator_id: idSchema.optional(),
    url: webhookUrl,
    event_types: eventTypes.optional(),
  })
  .strict() satisfies z.ZodType<Schemas['WebhookSubscriptionInput']>;

export const webhookSubscriptionUpdateSchema = z
  .object({ url: webhookUrl.optional(), event_types: eventTypes.optional(), active: z.boolean().optional() })
  .strict() satisfies z.ZodType<Schemas['WebhookSubscriptionUpdate']>;

export const subscriptionListQuerySchema = z.object({ ...pageQuery, partner_id: idSchema.optional() });
export const eventListQuerySchema = z.object({
  ...pageQuery,
  status: z.enum(['pending', 'delivered', 'failed']).optional(),
});
