/**
 * Assembles the core's `DropSnapshot` from grouped query results. Pure: the service queries the
 * signals as of an instant and hands the rows here.
 *
 * - social: the latest cumulative reading per (region, channel, metric) at or before as-of,
 *   placed at `socialIndex(channel, metric)`; an unknown channel or metric is refused (an error:
 *   ingestion accepts only the shared vocabulary, so such a row means the two disagree).
 * - token holders: the latest snapshot per region at or before as-of (0 when none).
 * - pre-orders: units of placed (not cancelled) pre-orders with placed_at ≤ as-of, per SKU;
 *   velocity: the same over the 24 h before as-of.
 * - observed kinds: social when the drop has any social reading at or before as-of, token holders
 *   when it has any snapshot; otherwise that kind is missing (the features say so).
 * Regions and SKUs keep the order given (the service sorts them by id).
 */
import {
  CHANNELS,
  SOCIAL_METRICS,
  SOCIAL_WIDTH,
  socialIndex,
  type DropSnapshot,
  type SkuInfo,
} from './core/forecast-types';

export const DAY_MS = 86_400_000;

export interface SnapshotParts {
  dropId: string;
  creatorId: string;
  opensAt: Date;
  asOf: Date;
  skus: SkuInfo[];
  regionIds: string[];
  social: { region_id: string; channel: string; metric: string; last_value: number }[];
  tokenHolders: { region_id: string; holders: number }[];
  preorders: { sku_id: string; region_id: string; units: number; velocity: number }[];
}

export interface AssembledSnapshot {
  snapshot: DropSnapshot;
  /** false when no pre-order, social reading or token snapshot of the drop existed at as-of */
  hasSignals: boolean;
}

export function assembleSnapshot(parts: SnapshotParts): AssembledSnapshot {
  const skuIndex = new Map(parts.skus.map((s, i) => [s.id, i]));
  const regions = new Map(
    parts.regionIds.map((regionId) => [
      regionId,
      {
        regionId,
        social: new Array<number>(SOCIAL_WIDTH).fill(0),
        tokenHolders: 0,
        preorders: new Array<number>(parts.skus.length).fill(0),
        velocity: new Array<number>(parts.skus.length).fill(0),
      },
    ]),
  );
  const channels = CHANNELS as readonly string[];
  const metrics = SOCIAL_METRICS as readonly string[];
  for (const row of parts.social) {
    const region = regions.get(row.region_id);
    const ci = channels.indexOf(row.channel);
    const mi = metrics.indexOf(row.metric);
    if (ci < 0 || mi < 0)
      throw new Error(`social reading with an unknown channel or metric: '${row.channel}' / '${row.metric}'`);
    if (region) region.social[socialIndex(ci, mi)] = Number(row.last_value);
  }
  for (const row of parts.tokenHolders) {
    const region = regions.get(row.region_id);
    if (region) region.tokenHolders = Number(row.holders);
  }
  for (const row of parts.preorders) {
    const region = regions.get(row.region_id);
    const k = skuIndex.get(row.sku_id);
    if (region && k !== undefined) {
      region.preorders[k] = Number(row.units);
      region.velocity[k] = Number(row.velocity);
    }
  }
  return {
    snapshot: {
      dropId: parts.dropId,
      creatorId: parts.creatorId,
      opensAt: parts.opensAt.toISOString(),
      daysToOpen: (parts.opensAt.getTime() - parts.asOf.getTime()) / DAY_MS,
      skus: parts.skus,
      observed: { social: parts.social.length > 0, tokenHolders: parts.tokenHolders.length > 0 },
      regions: [...regions.values()],
    },
    hasSignals:
      parts.social.length > 0 || parts.tokenHolders.length > 0 || parts.preorders.some((p) => Number(p.units) > 0),
  };
}
