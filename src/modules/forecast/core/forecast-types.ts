/**
 * Vocabulary of the forecasting core: the shapes of history, snapshots, feature rows and
 * predictive distributions. Pure types and constants; no I/O.
 */

/** Lead times (days before opening) at which signals are snapshotted and forecasts are scored. */
export const LEAD_TIMES = [7, 3, 1] as const;
export type LeadTime = (typeof LEAD_TIMES)[number];

import { CHANNELS, SOCIAL_METRICS } from '../../../shared/social-vocabulary';

export { CHANNELS, SOCIAL_METRICS, type Channel, type SocialMetric } from '../../../shared/social-vocabulary';

/** Number of social values per region snapshot: channel-major, `CHANNELS.length × SOCIAL_METRICS.length`. */
export const SOCIAL_WIDTH = CHANNELS.length * SOCIAL_METRICS.length;

/** Index of (channel, metric) inside a flat social vector. */
export function socialIndex(channel: number, metric: number): number {
  return channel * SOCIAL_METRICS.length + metric;
}

/** Quantile levels of every forecast, in increasing order. */
export const QUANTILE_LEVELS = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95] as const;
export type QuantileLevel = (typeof QUANTILE_LEVELS)[number];

/**
 * A predictive distribution of demand (units) for one SKU × region of a drop.
 * `quantiles[i]` is the quantile at `QUANTILE_LEVELS[i]`: integers, ≥ 0, non-decreasing.
 */
export interface DemandDistribution {
  mean: number;
  quantiles: number[];
}

/** One SKU of a drop. */
export interface SkuInfo {
  id: string;
  price: number;
}

/**
 * What is known about one region of a drop at forecast time.
 * `social` is cumulative engagement in that region (flat, see `socialIndex`), `preorders` and
 * `velocity` are per SKU (same order as the drop's `skus`): cumulative pre-orders and the
 * pre-orders of the last 24 h.
 */
export interface RegionSignals {
  regionId: string;
  social: number[];
  tokenHolders: number;
  preorders: number[];
  velocity: number[];
}

/**
 * Which signal kinds a drop has at all at a lead time. A kind the drop never reported (a
 * history without social columns, a creator without a token) is *missing*: its values are zeros
 * and the features say so with an indicator, in training and in serving alike. Pre-orders are
 * always observed (none placed is a real zero).
 */
export interface ObservedKinds {
  social: boolean;
  tokenHolders: boolean;
}

/** The signals of one drop as they stand `daysToOpen` days before it opens. */
export interface DropSnapshot {
  dropId: string;
  creatorId: string;
  /** ISO 8601 */
  opensAt: string;
  daysToOpen: number;
  skus: SkuInfo[];
  observed: ObservedKinds;
  regions: RegionSignals[];
}

/** One region of a closed drop: realised demand and the signals at each of `LEAD_TIMES`. */
export interface ClosedDropRegion {
  regionId: string;
  /** realised demand per SKU (pre-orders included) */
  demand: number[];
  /** cumulative pre-orders per SKU at each of `LEAD_TIMES` ([sku][lead]) */
  preorders: number[][];
  /** pre-orders in the 24 h before each lead ([sku][lead]) */
  velocity: number[][];
  /** token holders of the region at each lead ([lead]; 0 where not observed) */
  tokenHolders: number[];
  /** social snapshot of the region at each lead ([lead][channel·metric]; zeros where not observed) */
  social: number[][];
}

/**
 * A closed drop as the forecaster needs it: history features, the baseline, and training rows
 * (its snapshot at each lead is `historySnapshot`). Imported drops, the service's own closed drops
 * and simulated drops all take this one shape.
 */
export interface ClosedDrop {
  id: string;
  creatorId: string;
  opensAt: string;
  closesAt: string;
  skus: SkuInfo[];
  /** per lead index (`LEAD_TIMES`): did the drop have this signal kind at all */
  observed: { social: boolean[]; tokenHolders: boolean[] };
  regions: ClosedDropRegion[];
}

/** A row of model input: one drop × SKU × region at one lead time. */
export interface FeatureRow {
  dropId: string;
  skuId: string;
  regionId: string;
  creatorId: string;
  leadDays: number;
  /** cumulative pre-orders of this cell: a floor of demand (pre-orders are part of demand) */
  preorders: number;
  /** raw (unstandardised) feature values, in the order of `FEATURE_NAMES` */
  values: number[];
}

/** Every demand model answers the same question the same way. */
export interface DemandModel {
  id: string;
  kind: 'baseline' | 'nb-mlp' | 'oracle';
  predict(rows: FeatureRow[]): DemandDistribution[];
}
