import { z } from 'zod';
import type { Schemas } from '../../http/contract';
import { idSchema } from '../../shared/ids';

export const apiKeyInputSchema = z
  .object({
    role: z.enum(['admin', 'creator', 'partner', 'storefront']),
    creator_id: idSchema.optional(),
    partner_id: idSchema.optional(),
    label: z.string().max(200).optional(),
    tiers: z
      .array(z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a tier name: lower case letters, digits, _ or -'))
      .max(20)
      .optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    const needsCreator = input.role === 'creator' || input.role === 'storefront';
    if (needsCreator && !input.creator_id)
      ctx.addIssue({ code: 'custom', path: ['creator_id'], message: `required for a ${input.role} key` });
    if (!needsCreator && input.creator_id)
      ctx.addIssue({ code: 'custom', path: ['creator_id'], message: `not allowed for a ${input.role} key` });
    if (input.role === 'partner' && !input.partner_id)
      ctx.addIssue({ code: 'custom', path: ['partner_id'], message: 'required for a partner key' });
    if (input.role !== 'partner' && input.partner_id)
      ctx.addIssue({ code: 'custom', path: ['partner_id'], message: `not allowed for a ${input.role} key` });
    if (input.role !== 'storefront' && input.tiers)
      ctx.addIssue({ code: 'custom', path: ['tiers'], message: `not allowed for a ${input.role} key` });
  }) satisfies z.ZodType<Schemas['ApiKeyInput']>;
