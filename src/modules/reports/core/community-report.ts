/**
 * The community part of a post-drop report (issue 16): how full each access tier's reserves got,
 * and what became of the queue's entries against the probability each was promised at the join.
 * Pure: the service loads the reserves and the entries; no clock, no I/O.
 */

export interface ReserveFigures {
  tier: string;
  skuId: string;
  /** null: drop-wide */
  regionId: string | null;
  reserved: number;
  rolledIn: number;
  /** reserve units taken by the tier's active and confirmed holds */
  used: number;
}

export interface QueueEntryFate {
  /** the probability stated at the join; null when the join was answered with an offer at once */
  promisedProbability: number | null;
  quantity: number;
  status: 'waiting' | 'offered' | 'left';
  /** the offer's hold, if the entry was ever offered */
  holdStatus: 'held' | 'confirmed' | 'released' | 'expired' | null;
  holdExpiresAtMs: number | null;
}

export type EntryOutcome = 'waiting' | 'offered' | 'claimed' | 'lapsed' | 'left';

export interface TierFill {
  tier: string;
  reserved: number;
  rolled_in: number;
  used: number;
  /** used ÷ (reserved + rolled_in); null when nothing was reserved for the tier */
  fill_rate: number | null;
  /** every unit the tier's buyers hold or bought, from its reserves or not */
  units_taken: number;
  reserves: { sku_id: string; region_id: string | null; reserved: number; rolled_in: number; used: number; fill_rate: number | null }[];
}

export interface CalibrationBin {
  /** promised probability in [from, to); the last bin includes 1 */
  from: number;
  to: number;
  entries: number;
  promised_mean: number | null;
  realised_share: number | null;
}

export interface QueueOutcomes {
  entries: number;
  units: number;
  by_outcome: Record<EntryOutcome, number>;
  /** entries with a promise whose outcome is known (offered at some point, or still waiting) */
  promised_entries: number;
  promised_mean: number | null;
  realised_share: number | null;
  calibration: CalibrationBin[];
}

const ratio = (a: number, b: number): number | null => (b > 0 ? round4(a / b) : null);
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/**
 * Per tier, in the order first seen (the drop's tier order), its reserves and how much of them its
 * buyers took; `takenByTier`: every unit each tier's buyers hold or bought (0 when absent).
 */
export function tierFillRates(reserves: ReserveFigures[], takenByTier: ReadonlyMap<string, number> = new Map()): TierFill[] {
  const tiers = new Map<string, TierFill>();
  for (const r of reserves) {
    const t =
      tiers.get(r.tier) ??
      tiers.set(r.tier, {
          tier: r.tier,
          reserved: 0,
          rolled_in: 0,
          used: 0,
          fill_rate: null,
          units_taken: takenByTier.get(r.tier) ?? 0,
          reserves: [],
        }).get(r.tier)!;
    t.reserved += r.reserved;
    t.rolled_in += r.rolledIn;
    t.used += r.used;
    t.reserves.push({
      sku_id: r.skuId,
      region_id: r.regionId,
      reserved: r.reserved,
      rolled_in: r.rolledIn,
      used: r.used,
      fill_rate: ratio(r.used, r.reserved + r.rolledIn),
    });
  }
  for (const t of tiers.values()) t.fill_rate = ratio(t.used, t.reserved + t.rolled_in);
  return [...tiers.values()];
}

/**
 * What became of an entry: `claimed` (its offer's hold confirmed), `lapsed` (the offer expired or
 * was released, the buyer's leaving included), `offered` (the claim is still open), `waiting`
 * (never offered), `left` (left before any offer).
 */
export function entryOutcome(e: QueueEntryFate, nowMs: number): EntryOutcome {
  if (e.holdStatus === null) return e.status === 'left' ? 'left' : 'waiting';
  if (e.holdStatus === 'confirmed') return 'claimed';
  if (e.holdStatus === 'held' && e.holdExpiresAtMs !== null && e.holdExpiresAtMs > nowMs) return 'offered';
  return 'lapsed';
}

/**
 * The promise came true when the entry got its units offered (whether the buyer then claimed them
 * is the buyer's choice, not the model's); it did not when the entry is still waiting. Entries
 * that left before an offer, or were promised nothing, say nothing about the model and are left out.
 */
export function calibrationByDecile(points: { promised: number; realised: boolean }[]): CalibrationBin[] {
  const bins = Array.from({ length: 10 }, (_, i) => ({ from: i / 10, to: (i + 1) / 10, n: 0, sumP: 0, hits: 0 }));
  for (const p of points) {
    const b = bins[Math.min(9, Math.max(0, Math.floor(p.promised * 10)))]!;
    b.n += 1;
    b.sumP += p.promised;
    if (p.realised) b.hits += 1;
  }
  return bins.map((b) => ({
    from: b.from,
    to: b.to,
    entries: b.n,
    promised_mean: ratio(b.sumP, b.n),
    realised_share: ratio(b.hits, b.n),
  }));
}

export function queueOutcomes(entries: QueueEntryFate[], nowMs: number): QueueOutcomes {
  const byOutcome: Record<EntryOutcome, number> = { waiting: 0, offered: 0, claimed: 0, lapsed: 0, left: 0 };
  const points: { promised: number; realised: boolean }[] = [];
  let units = 0;
  for (const e of entries) {
    const outcome = entryOutcome(e, nowMs);
    byOutcome[outcome] += 1;
    units += e.quantity;
    if (e.promisedProbability !== null && outcome !== 'left')
      points.push({ promised: e.promisedProbability, realised: outcome !== 'waiting' });
  }
  return {
    entries: entries.length,
    units,
    by_outcome: byOutcome,
    promised_entries: points.length,
    promised_mean: ratio(
      points.reduce((s, p) => s + p.promised, 0),
      points.length,
    ),
    realised_share: ratio(points.filter((p) => p.realised).length, points.length),
    calibration: calibrationByDecile(points),
  };
}
