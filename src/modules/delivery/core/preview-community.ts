/**
 * The community figures of the creator's preview, per region (issue 16): the fair queue now and
 * how much demand is expected to find no stock, and the units reserved for each tier's buyers of the
 * region. Pure: the service passes what it read.
 */

export interface RegionQueueFigures {
  waiting_entries: number;
  waiting_units: number;
  units_short_p50: number;
  units_short_p90: number;
}

export interface PreviewCommunityInput {
  /** waiting entries per region and SKU */
  waiting: { regionId: string; skuId: string; entries: number; units: number }[];
  /** forecast demand per region and SKU over the drop window */
  demand: { regionId: string; skuId: string; p50: number; p90: number }[];
  /** units the plan placed at the hub serving each region, per SKU; null: no plan to compare with */
  placed: { regionId: string; skuId: string; units: number }[] | null;
}

/** A tier reserve now; region-scoped ones count for their region. */
export interface ReserveNow {
  tier: string;
  regionId: string | null;
  reserved: number;
  rolledIn: number;
}

const key = (regionId: string, skuId: string) => `${regionId}\u0000${skuId}`;

/**
 * Per region: waiting entries and units now, and the units short at the forecast's p50 and p90 —
 * Σ over SKUs of max(demand − units placed at the region's serving hub, 0). A buyer who finds no
 * unit may join the queue, so this is how long the region's queue may grow (in units) if every such
 * buyer joins; it is 0 where there is no plan to compare with.
 */
export function previewQueueByRegion(input: PreviewCommunityInput): Map<string, RegionQueueFigures> {
  const out = new Map<string, RegionQueueFigures>();
  const at = (regionId: string) =>
    out.get(regionId) ??
    out.set(regionId, { waiting_entries: 0, waiting_units: 0, units_short_p50: 0, units_short_p90: 0 }).get(regionId)!;
  for (const w of input.waiting) {
    const r = at(w.regionId);
    r.waiting_entries += w.entries;
    r.waiting_units += w.units;
  }
  if (input.placed) {
    const placed = new Map(input.placed.map((p) => [key(p.regionId, p.skuId), p.units]));
    for (const d of input.demand) {
      const units = placed.get(key(d.regionId, d.skuId)) ?? 0;
      const r = at(d.regionId);
      r.units_short_p50 += Math.max(d.p50 - units, 0);
      r.units_short_p90 += Math.max(d.p90 - units, 0);
    }
  } else for (const d of input.demand) at(d.regionId);
  return out;
}

/** Per region, the units reserved for each tier's buyers of that region now (reserved + rolled in). */
export function reservedByTierPerRegion(reserves: ReserveNow[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const r of reserves) {
    if (r.regionId === null) continue;
    const byTier = out.get(r.regionId) ?? out.set(r.regionId, {}).get(r.regionId)!;
    byTier[r.tier] = (byTier[r.tier] ?? 0) + r.reserved + r.rolledIn;
  }
  return out;
}
