import type { components } from '../generated/openapi';

/**
 * The social-signal vocabulary, defined once: signals validates rows against it, the forecast
 * places readings by it (channel-major). Typed by the contract, and checked both ways below, so a
 * channel or metric added to openapi.yaml fails the typecheck until it is added here (and to the
 * check constraint of migration 0002).
 */
export const CHANNELS = [
  'telegram',
  'tiktok',
  'instagram',
  'discord',
  'youtube',
  'other',
] as const satisfies readonly components['schemas']['SocialChannel'][];
export type Channel = (typeof CHANNELS)[number];

export const SOCIAL_METRICS = [
  'mentions',
  'views',
  'likes',
  'shares',
  'rsvps',
] as const satisfies readonly components['schemas']['SocialMetric'][];
export type SocialMetric = (typeof SOCIAL_METRICS)[number];

/** Every value of the contract is listed (`true` only when none is missing). */
type Covers<Listed, Contract> = [Exclude<Contract, Listed>] extends [never] ? true : never;
export const CHANNELS_COVER_CONTRACT: Covers<Channel, components['schemas']['SocialChannel']> = true;
export const METRICS_COVER_CONTRACT: Covers<SocialMetric, components['schemas']['SocialMetric']> = true;
