/**
 * The pure rules of community access (issue 16): what a drop's access configuration may say, who
 * may hold when, and which tiers a key may claim. No driver, clock or network: callers pass `now`.
 * The reserve arithmetic itself runs in the hold's transaction (function access_pools, migration
 * 0020), where it can lock; `reserveState` below is its time rule, shared with the readers.
 */

export interface AccessWindow {
  startsAt: Date;
  endsAt: Date;
}
export interface AccessTier {
  name: string;
  window: AccessWindow;
}
export interface FieldIssue {
  path: string;
  message: string;
}

export interface AccessConfigInput {
  tiers: {
    name: string;
    window: { starts_at: string; ends_at: string };
    reserves?: { sku_id: string; region_id?: string | null | undefined; share: number }[] | undefined;
  }[];
  account_limits?:
    { per_drop?: number | null | undefined; per_sku?: { sku_id: string; quantity: number }[] | undefined } | undefined;
}

/** Shares of one SKU may sum to 1 and no more; this much floating-point slack is forgiven. */
const SHARE_EPSILON = 1e-9;

/**
 * Every reason an access configuration cannot be stored, each naming its field. Windows must end
 * no later than the drop's opening, follow the tiers' order and not overlap (a window ending at the
 * instant the next starts does not overlap it); reserves name the drop's SKUs and known regions,
 * once per tier, SKU and scope; a SKU's shares sum to at most 1; per-SKU limits name the drop's SKUs.
 */
export function accessConfigIssues(
  input: AccessConfigInput,
  drop: { opensAt: Date; skuIds: ReadonlySet<string>; regionIds: ReadonlySet<string> },
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const names = new Set<string>();
  const shareBySku = new Map<string, number>();
  let previousEnd: number | undefined;
  input.tiers.forEach((tier, i) => {
    const at = `tiers[${i}]`;
    if (names.has(tier.name)) issues.push({ path: `${at}.name`, message: `tier '${tier.name}' is named twice` });
    names.add(tier.name);
    const starts = Date.parse(tier.window.starts_at);
    const ends = Date.parse(tier.window.ends_at);
    if (!(ends > starts)) issues.push({ path: `${at}.window.ends_at`, message: 'must be after starts_at' });
    if (ends > drop.opensAt.getTime())
      issues.push({
        path: `${at}.window.ends_at`,
        message: `an early-access window ends no later than the drop's opening (${drop.opensAt.toISOString()})`,
      });
    if (previousEnd !== undefined && starts < previousEnd)
      issues.push({
        path: `${at}.window.starts_at`,
        message: `overlaps the window of tiers[${i - 1}] (windows follow the tiers' order and may not overlap)`,
      });
    previousEnd = Math.max(previousEnd ?? Number.NEGATIVE_INFINITY, ends);
    const seen = new Set<string>();
    (tier.reserves ?? []).forEach((reserve, j) => {
      const rat = `${at}.reserves[${j}]`;
      if (!drop.skuIds.has(reserve.sku_id))
        issues.push({ path: `${rat}.sku_id`, message: `SKU '${reserve.sku_id}' is not a SKU of this drop` });
      const region = reserve.region_id ?? null;
      if (region !== null && !drop.regionIds.has(region))
        issues.push({ path: `${rat}.region_id`, message: `region '${region}' is unknown` });
      const key = `${reserve.sku_id}\u0000${region ?? ''}`;
      if (seen.has(key))
        issues.push({ path: rat, message: `tier '${tier.name}' reserves SKU '${reserve.sku_id}' twice in one scope` });
      seen.add(key);
      shareBySku.set(reserve.sku_id, (shareBySku.get(reserve.sku_id) ?? 0) + reserve.share);
    });
  });
  for (const [skuId, share] of shareBySku)
    if (share > 1 + SHARE_EPSILON) {
      const i = input.tiers.findIndex((t) => (t.reserves ?? []).some((r) => r.sku_id === skuId));
      const j = input.tiers[i]!.reserves!.findIndex((r) => r.sku_id === skuId);
      issues.push({
        path: `tiers[${i}].reserves[${j}].share`,
        message: `the reserved shares of SKU '${skuId}' sum to ${round(share)}, more than 1`,
      });
    }
  const limited = new Set<string>();
  (input.account_limits?.per_sku ?? []).forEach((limit, i) => {
    const at = `account_limits.per_sku[${i}].sku_id`;
    if (!drop.skuIds.has(limit.sku_id))
      issues.push({ path: at, message: `SKU '${limit.sku_id}' is not a SKU of this drop` });
    if (limited.has(limit.sku_id)) issues.push({ path: at, message: `SKU '${limit.sku_id}' is limited twice` });
    limited.add(limit.sku_id);
  });
  return issues;
}

export type ReserveState = 'upcoming' | 'open' | 'ended';

/** A window is open from its start (inclusive) to its end (exclusive); its reserve rolls over at the end. */
export function reserveState(window: AccessWindow, now: Date): ReserveState {
  const t = now.getTime();
  if (t >= window.endsAt.getTime()) return 'ended';
  return t >= window.startsAt.getTime() ? 'open' : 'upcoming';
}

/**
 * When a buyer may start holding on a drop with tiers: a tier's buyers from their window's start
 * (and from then on, through later windows and after the opening), the general public (no tier)
 * from the drop's opening. A drop without tiers is open to every hold, as before.
 */
export function holdOpensAt(tiers: readonly AccessTier[], tier: string | null, opensAt: Date): Date | null {
  if (tiers.length === 0) return null;
  if (tier === null) return opensAt;
  const found = tiers.find((t) => t.name === tier);
  return found ? found.window.startsAt : opensAt;
}

/** Whether a key limited to `keyTiers` (null: every tier) may claim `tier` for its buyer. */
export function keyMayClaim(keyTiers: readonly string[] | null | undefined, tier: string): boolean {
  return keyTiers === null || keyTiers === undefined || keyTiers.includes(tier);
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
