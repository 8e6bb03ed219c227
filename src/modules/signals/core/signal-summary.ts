import type { Schemas } from '../../../http/contract';

/**
 * Assembles the per-region signal summary from grouped query results. Pure: regions appear if
 * any signal mentions them, sorted by id; each region's series is sorted by bucket start and
 * has a bucket wherever some signal fell.
 */
type Time = Date | string;
const iso = (t: Time) => (t instanceof Date ? t : new Date(t)).toISOString();

export interface SummaryParts {
  dropId: string;
  bucket: 'hour' | 'day';
  from: string | null;
  to: string | null;
  preorderTotals: {
    region_id: string;
    placed: number;
    placed_units: number;
    cancelled: number;
    cancelled_units: number;
    last_placed_at: Time | null;
  }[];
  preorderSeries: { region_id: string; bucket_start: Time; placed: number; placed_units: number; cancelled: number }[];
  socialTotals: (Omit<Schemas['SocialTotals'], 'last_observed_at'> & { region_id: string; last_observed_at: Time })[];
  socialSeries: { region_id: string; bucket_start: Time; observations: number; sum: number }[];
  tokenLatest: { region_id: string; holders: number; tokens: number; observed_at: Time }[];
  tokenSeries: { region_id: string; bucket_start: Time; holders: number }[];
  inventory: (Omit<Schemas['InventoryTotals'], 'last_occurred_at'> & { last_occurred_at: Time })[];
}

const emptyBucket = (bucketStart: string): Schemas['SignalBucket'] => ({
  bucket_start: bucketStart,
  preorders_placed: 0,
  units_placed: 0,
  preorders_cancelled: 0,
  social_observations: 0,
  social_sum: 0,
  token_holders: null,
});

export function buildSignalSummary(parts: SummaryParts): Schemas['SignalSummary'] {
  const regions = new Map<string, Schemas['RegionSignalSummary'] & { buckets: Map<string, Schemas['SignalBucket']> }>();
  const region = (id: string) => {
    let entry = regions.get(id);
    if (!entry) {
      entry = {
        region_id: id,
        preorders: { placed: 0, placed_units: 0, cancelled: 0, cancelled_units: 0, last_placed_at: null },
        social: [],
        token_holders: null,
        series: [],
        buckets: new Map(),
      };
      regions.set(id, entry);
    }
    return entry;
  };
  const bucket = (regionId: string, start: Time) => {
    const buckets = region(regionId).buckets;
    const key = iso(start);
    let entry = buckets.get(key);
    if (!entry) buckets.set(key, (entry = emptyBucket(key)));
    return entry;
  };

  for (const t of parts.preorderTotals) {
    region(t.region_id).preorders = {
      placed: Number(t.placed),
      placed_units: Number(t.placed_units),
      cancelled: Number(t.cancelled),
      cancelled_units: Number(t.cancelled_units),
      last_placed_at: t.last_placed_at === null ? null : iso(t.last_placed_at),
    };
  }
  for (const s of parts.preorderSeries) {
    const b = bucket(s.region_id, s.bucket_start);
    b.preorders_placed += Number(s.placed);
    b.units_placed += Number(s.placed_units);
    b.preorders_cancelled += Number(s.cancelled);
  }
  for (const s of parts.socialTotals) {
    region(s.region_id).social.push({
      channel: s.channel,
      metric: s.metric,
      observations: Number(s.observations),
      sum: Number(s.sum),
      last_value: Number(s.last_value),
      last_observed_at: iso(s.last_observed_at),
    });
  }
  for (const s of parts.socialSeries) {
    const b = bucket(s.region_id, s.bucket_start);
    b.social_observations += Number(s.observations);
    b.social_sum += Number(s.sum);
  }
  for (const t of parts.tokenLatest)
    region(t.region_id).token_holders = {
      holders: Number(t.holders),
      tokens: Number(t.tokens),
      observed_at: iso(t.observed_at),
    };
  for (const t of parts.tokenSeries) bucket(t.region_id, t.bucket_start).token_holders = Number(t.holders);

  const out: Schemas['RegionSignalSummary'][] = [...regions.values()]
    .sort((a, b) => (a.region_id < b.region_id ? -1 : a.region_id > b.region_id ? 1 : 0))
    .map(({ buckets, ...rest }) => ({
      ...rest,
      series: [...buckets.values()].sort((a, b) => a.bucket_start.localeCompare(b.bucket_start)),
    }));

  return {
    drop_id: parts.dropId,
    bucket: parts.bucket,
    from: parts.from,
    to: parts.to,
    regions: out,
    inventory: parts.inventory.map((i) => ({
      hub_id: i.hub_id,
      sku_id: i.sku_id,
      events: Number(i.events),
      received: Number(i.received),
      reserved: Number(i.reserved),
      released: Number(i.released),
      shipped: Number(i.shipped),
      adjusted: Number(i.adjusted),
      last_occurred_at: iso(i.last_occurred_at),
    })),
  };
}
