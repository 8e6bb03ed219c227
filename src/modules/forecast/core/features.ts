/**
 * Feature builder: signals at forecast time + history of closed drops → numeric rows.
 * Pure: the caller passes the snapshot, the closed drops and the forecast time.
 *
 * This is the one feature function: the trainer calls it on `historySnapshot(drop, lead)` of each
 * past drop, the service on the snapshot it assembles from the database; both with statistics of
 * the same history population (`HistoryIndex.statsAsOf`). A signal kind a drop does not have
 * (`DropSnapshot.observed`) is missing in both: its features are 0 and an indicator says so; it is
 * never filled in from another dataset.
 *
 * Counts enter as log1p (demand is multiplicative in its drivers, so a log-linear model of the
 * NB mean is a sound start); shares as logs of smoothed shares. Every feature is documented in
 * `FEATURE_DOCS`. Rows are standardised with statistics fitted on training rows and stored in
 * the model metadata (`Standardiser`).
 */
import {
  CHANNELS,
  LEAD_TIMES,
  SOCIAL_METRICS,
  socialIndex,
  type ClosedDrop,
  type DropSnapshot,
  type FeatureRow,
} from './forecast-types';

/** name → meaning, in feature order. */
export const FEATURE_DOCS: ReadonlyArray<readonly [string, string]> = [
  ['log_preorders_cell', 'log1p(cumulative pre-orders of this SKU in this region)'],
  ['log_velocity_cell', 'log1p(pre-orders of this SKU in this region in the last 24 h)'],
  ['log_preorders_region', 'log1p(pre-orders of the drop in this region, all SKUs)'],
  ['log_preorders_sku', 'log1p(pre-orders of this SKU, all regions)'],
  ['log_preorders_drop', 'log1p(pre-orders of the whole drop)'],
  ['log_velocity_drop', 'log1p(pre-orders of the whole drop in the last 24 h)'],
  ['days_to_open', 'days between forecast time and opening'],
  ['log_price', 'log(unit price)'],
  ['log_price_rel', 'log(price / mean SKU price of the drop)'],
  ['n_skus', 'number of SKUs in the drop'],
  ...CHANNELS.flatMap((ch) =>
    SOCIAL_METRICS.map((m) => [`social_${ch}_${m}`, `log1p(cumulative ${m} on ${ch} in this region)`] as const),
  ),
  ...SOCIAL_METRICS.map((m) => [`social_drop_${m}`, `log1p(${m} of the drop, all channels and regions)`] as const),
  ['log_social_region_share', 'log of the region share of the drop mentions (+1 smoothed)'],
  ['log_holders_region', 'log1p(token holders of the creator in this region)'],
  ['log_holders_total', 'log1p(token holders of the creator, all regions of the drop)'],
  ['log_holders_share', 'log of the region share of token holders (+1 smoothed)'],
  [
    'log_creator_region_share',
    "log of the creator's past demand share of this region (earlier drops only, shrunk to the global share)",
  ],
  ['log_global_region_share', 'log of the past demand share of this region over all creators (earlier drops only)'],
  ['log_creator_past_drops', "log1p(number of the creator's closed drops)"],
  ['log_creator_mean_drop_demand', "mean log1p(total demand) of the creator's past drops (global mean when none)"],
  [
    'log_creator_ratio',
    "log median (final demand + 1)/(pre-orders at this lead + 1) of the creator's past drops (global, then 1, when none)",
  ],
  [
    'log_creator_demand_per_rsvp',
    "median log((final demand + 1)/(RSVPs at this lead + 1)) of the creator's past drops (global, then 0)",
  ],
  [
    'log_creator_demand_per_mention',
    "median log((final demand + 1)/(mentions at this lead + 1)) of the creator's past drops (global, then 0)",
  ],
  [
    'log_rsvp_drop_estimate',
    'log1p(drop RSVPs) + log_creator_demand_per_rsvp: a pre-order-free guess of the drop total',
  ],
  ['log_preorder_drop_estimate', 'log1p(drop pre-orders) + log_creator_ratio: a pre-order guess of the drop total'],
  ['log_naive_cell', 'log1p(drop pre-orders × creator ratio × SKU pre-order share × region share): a structural guess'],
  [
    'log_velocity_share_drop',
    "log((drop pre-orders of the last 24 h + 1)/(drop pre-orders + 1)): how late the drop's pre-orders are coming",
  ],
  [
    'velocity_share_vs_creator',
    "log_velocity_share_drop minus the median of the creator's past drops at this lead (global, then 0): early or late",
  ],
  [
    'log_timing_ratio',
    "log (final + 1)/(pre-orders + 1) predicted from the velocity share by a line fitted on past drops at this lead, plus the creator's mean residual (shrunk by one pseudo-drop)",
  ],
  ['log_timing_drop_estimate', 'log1p(drop pre-orders) + log_timing_ratio: a timing-aware guess of the drop total'],
  ['log_region_preorder_share', "log of the region's share of the drop pre-orders (+1 smoothed)"],
  [
    'log_region_share_update',
    "log((region pre-orders + 10)/(drop pre-orders × creator region share + 10)): the drop's regional drift from the creator's usual shares",
  ],
  [
    'log_posterior_cell',
    'log1p(timing-aware drop total × SKU pre-order share × creator region share × drift): a structural guess of the cell',
  ],
  [
    'log_posterior_remaining',
    "log1p(gamma-Poisson update of the structural guess by the cell's own pre-orders): a guess of the demand still to come",
  ],
  ['is_new_creator', '1 when the creator has no closed drop'],
  ['has_social', '1 when the drop has social signals at this lead (0: missing, social features are 0)'],
  ['has_token_holders', '1 when the drop has token-holder snapshots at this lead (0: missing, holder features are 0)'],
  [
    'has_social_history',
    '1 when past drops with social signals gave the demand-per-RSVP/mention medians (0: none, those features are 0)',
  ],
];

export const FEATURE_NAMES: readonly string[] = FEATURE_DOCS.map(([n]) => n);
export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Pseudo-units of demand shrinking a creator's regional shares towards the global shares. */
const SHARE_PRIOR_UNITS = 300;
/** Pseudo pre-orders holding a drop's regional share to the creator's usual share. */
const REGION_PRIOR_UNITS = 10;
/** Gamma shape of a cell's demand around its structural guess (gamma-Poisson update by its pre-orders). */
const CELL_PRIOR_SHAPE = 2;

interface DropSummary {
  id: string;
  creatorId: string;
  closesMs: number;
  total: number;
  byRegion: Map<string, number>;
  /** total pre-orders at each LEAD_TIMES index */
  preByLead: number[];
  /** total pre-orders of the 24 h before each LEAD_TIMES index */
  velByLead: number[];
  /** total RSVPs and mentions at each LEAD_TIMES index (NaN when the drop had no social at that lead) */
  rsvpByLead: number[];
  mentionsByLead: number[];
}

/** What the history says about one creator as of a forecast time. */
export interface CreatorHistoryStats {
  creatorDrops: number;
  creatorRegionShare: Map<string, number>;
  creatorTotal: number;
  globalRegionShare: Map<string, number>;
  globalTotal: number;
  meanLogDropDemand: number;
  /** median (total + 1)/(pre-orders + 1) at each LEAD_TIMES index */
  ratioByLead: number[];
  /** median log((total + 1)/(RSVPs + 1)) and log((total + 1)/(mentions + 1)) at each LEAD_TIMES index */
  logDemandPerRsvpByLead: number[];
  logDemandPerMentionByLead: number[];
  /** per LEAD_TIMES index: some past drop (the creator's or any) had social at that lead */
  socialHistoryByLead: boolean[];
  /** per LEAD_TIMES index: median log velocity share of the creator's past drops (global, then 0) */
  logVelocityShareByLead: number[];
  /** per LEAD_TIMES index: log ratio ≈ intercept + slope · log velocity share over past drops, + creator residual */
  timingFitByLead: { intercept: number; slope: number; creatorResidual: number }[];
}

/** log((velocity + 1)/(pre-orders + 1)): the share of the pre-orders placed in the last 24 h. */
function logVelocityShare(velocity: number, preorders: number): number {
  return Math.log((velocity + 1) / (preorders + 1));
}

/** Least-squares line y ≈ a + b·x (b = 0 with fewer than 3 points or no spread in x). */
function fitLine(xs: readonly number[], ys: readonly number[]): { intercept: number; slope: number } {
  const n = xs.length;
  if (n === 0) return { intercept: 0, slope: 0 };
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += ((xs[i] as number) - mx) ** 2;
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
  }
  const slope = n >= 3 && sxx > 1e-9 ? sxy / sxx : 0;
  return { intercept: my - slope * mx, slope };
}

function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Index of closed drops for "as of" queries. Only drops closed at or before the forecast time
 * are visible, so a backtest never peeks at the future.
 */
export class HistoryIndex {
  private readonly summaries: DropSummary[];

  constructor(drops: readonly ClosedDrop[]) {
    this.summaries = drops
      .map((d) => {
        const byRegion = new Map<string, number>();
        let total = 0;
        const preByLead = LEAD_TIMES.map(() => 0);
        const velByLead = LEAD_TIMES.map(() => 0);
        const rsvpByLead = LEAD_TIMES.map(() => 0);
        const mentionsByLead = LEAD_TIMES.map(() => 0);
        LEAD_TIMES.forEach((_, li) => {
          if (!d.observed.social[li]) {
            rsvpByLead[li] = Number.NaN;
            mentionsByLead[li] = Number.NaN;
          }
        });
        for (const r of d.regions) {
          LEAD_TIMES.forEach((_, li) => {
            const social = r.social[li];
            if (!d.observed.social[li] || !social) return;
            rsvpByLead[li] = (rsvpByLead[li] as number) + metricTotal(social, 4);
            mentionsByLead[li] = (mentionsByLead[li] as number) + metricTotal(social, 0);
          });
          const s = r.demand.reduce((a, b) => a + b, 0);
          byRegion.set(r.regionId, (byRegion.get(r.regionId) ?? 0) + s);
          total += s;
          for (const perSku of r.preorders) {
            LEAD_TIMES.forEach((_, li) => (preByLead[li] = (preByLead[li] as number) + ((perSku[li] as number) ?? 0)));
          }
          for (const perSku of r.velocity) {
            LEAD_TIMES.forEach((_, li) => (velByLead[li] = (velByLead[li] as number) + ((perSku[li] as number) ?? 0)));
          }
        }
        return {
          id: d.id,
          creatorId: d.creatorId,
          closesMs: Date.parse(d.closesAt),
          total,
          byRegion,
          preByLead,
          velByLead,
          rsvpByLead,
          mentionsByLead,
        };
      })
      .sort((a, b) => a.closesMs - b.closesMs);
  }

  get size(): number {
    return this.summaries.length;
  }

  /** Statistics from drops closed at or before `asOfMs` (excluding `excludeDropId`). */
  statsAsOf(creatorId: string, asOfMs: number, excludeDropId?: string): CreatorHistoryStats {
    const globalByRegion = new Map<string, number>();
    const creatorByRegion = new Map<string, number>();
    let globalTotal = 0;
    let creatorTotal = 0;
    let creatorDrops = 0;
    const creatorLogs: number[] = [];
    const globalLogs: number[] = [];
    const creatorRatios: number[][] = LEAD_TIMES.map(() => []);
    const globalRatios: number[][] = LEAD_TIMES.map(() => []);
    const perRsvp = { creator: LEAD_TIMES.map((): number[] => []), global: LEAD_TIMES.map((): number[] => []) };
    const perMention = { creator: LEAD_TIMES.map((): number[] => []), global: LEAD_TIMES.map((): number[] => []) };
    /** per lead: (log velocity share, log ratio, is the creator's) of each past drop */
    const timing = LEAD_TIMES.map((): { x: number; y: number; mine: boolean }[] => []);
    for (const s of this.summaries) {
      if (s.closesMs > asOfMs) break;
      if (s.id === excludeDropId) continue;
      const mine = s.creatorId === creatorId;
      globalTotal += s.total;
      globalLogs.push(Math.log1p(s.total));
      for (const [r, v] of s.byRegion) globalByRegion.set(r, (globalByRegion.get(r) ?? 0) + v);
      LEAD_TIMES.forEach((_, li) => {
        const ratio = (s.total + 1) / ((s.preByLead[li] as number) + 1);
        (globalRatios[li] as number[]).push(ratio);
        timing[li]!.push({
          x: logVelocityShare(s.velByLead[li] as number, s.preByLead[li] as number),
          y: Math.log(ratio),
          mine,
        });
        if (mine) (creatorRatios[li] as number[]).push(ratio);
        const rs = s.rsvpByLead[li] as number;
        const me = s.mentionsByLead[li] as number;
        if (Number.isFinite(rs)) {
          const v = Math.log((s.total + 1) / (rs + 1));
          (perRsvp.global[li] as number[]).push(v);
          if (mine) (perRsvp.creator[li] as number[]).push(v);
        }
        if (Number.isFinite(me)) {
          const v = Math.log((s.total + 1) / (me + 1));
          (perMention.global[li] as number[]).push(v);
          if (mine) (perMention.creator[li] as number[]).push(v);
        }
      });
      if (mine) {
        creatorDrops++;
        creatorTotal += s.total;
        creatorLogs.push(Math.log1p(s.total));
        for (const [r, v] of s.byRegion) creatorByRegion.set(r, (creatorByRegion.get(r) ?? 0) + v);
      }
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const pick = (own: number[], all: number[]): number => (own.length ? median(own) : all.length ? median(all) : 0);
    return {
      creatorDrops,
      creatorRegionShare: creatorByRegion,
      creatorTotal,
      globalRegionShare: globalByRegion,
      globalTotal,
      meanLogDropDemand: creatorLogs.length ? mean(creatorLogs) : globalLogs.length ? mean(globalLogs) : 0,
      ratioByLead: LEAD_TIMES.map((_, li) => {
        const c = creatorRatios[li] as number[];
        const g = globalRatios[li] as number[];
        return c.length ? median(c) : g.length ? median(g) : 1;
      }),
      logDemandPerRsvpByLead: LEAD_TIMES.map((_, li) =>
        pick(perRsvp.creator[li] as number[], perRsvp.global[li] as number[]),
      ),
      logDemandPerMentionByLead: LEAD_TIMES.map((_, li) =>
        pick(perMention.creator[li] as number[], perMention.global[li] as number[]),
      ),
      socialHistoryByLead: LEAD_TIMES.map((_, li) => (perMention.global[li] as number[]).length > 0),
      logVelocityShareByLead: LEAD_TIMES.map((_, li) => {
        const pts = timing[li] as { x: number; mine: boolean }[];
        const own = pts.filter((p) => p.mine).map((p) => p.x);
        return own.length ? median(own) : pts.length ? median(pts.map((p) => p.x)) : 0;
      }),
      timingFitByLead: LEAD_TIMES.map((_, li) => {
        const pts = timing[li] as { x: number; y: number; mine: boolean }[];
        const line = fitLine(
          pts.map((p) => p.x),
          pts.map((p) => p.y),
        );
        const residuals = pts.filter((p) => p.mine).map((p) => p.y - line.intercept - line.slope * p.x);
        // shrunk towards 0 (the global line) by one pseudo-drop
        const creatorResidual = residuals.reduce((a, b) => a + b, 0) / (residuals.length + 1);
        return { ...line, creatorResidual };
      }),
    };
  }
}

/** Sum of one social metric over channels. */
function metricTotal(social: readonly number[], metric: number): number {
  return CHANNELS.reduce((x, _c, ci) => x + (social[socialIndex(ci, metric)] ?? 0), 0);
}

function leadIndexOf(days: number): number {
  let best = 0;
  LEAD_TIMES.forEach((L, i) => {
    if (Math.abs(L - days) < Math.abs((LEAD_TIMES[best] as number) - days)) best = i;
  });
  return best;
}

/**
 * Feature rows for every SKU × region of a drop snapshot, regions outer, SKUs inner.
 * `stats` must come from drops closed before the forecast time (see `HistoryIndex.statsAsOf`).
 */
export function buildFeatureRows(snap: DropSnapshot, stats: CreatorHistoryStats): FeatureRow[] {
  const nSku = snap.skus.length;
  const nReg = snap.regions.length;
  if (nSku === 0 || nReg === 0) return [];
  const meanPrice = snap.skus.reduce((a, s) => a + s.price, 0) / nSku;
  const preSku = snap.skus.map((_, k) => snap.regions.reduce((a, r) => a + (r.preorders[k] ?? 0), 0));
  const preDrop = preSku.reduce((a, b) => a + b, 0);
  const velDrop = snap.regions.reduce((a, r) => a + r.velocity.reduce((x, y) => x + y, 0), 0);
  const socialDrop = SOCIAL_METRICS.map((_, mi) =>
    snap.regions.reduce((a, r) => a + CHANNELS.reduce((x, _c, ci) => x + (r.social[socialIndex(ci, mi)] ?? 0), 0), 0),
  );
  const mentionsOf = (social: number[]): number =>
    CHANNELS.reduce((x, _c, ci) => x + (social[socialIndex(ci, 0)] ?? 0), 0);
  const hasSocial = snap.observed.social;
  const hasHolders = snap.observed.tokenHolders;
  const holdersTotal = hasHolders ? snap.regions.reduce((a, r) => a + r.tokenHolders, 0) : 0;
  const li = leadIndexOf(snap.daysToOpen);
  const ratio = stats.ratioByLead[li] as number;
  const hasSocialHistory = stats.socialHistoryByLead[li] === true;
  const perRsvp = hasSocialHistory ? (stats.logDemandPerRsvpByLead[li] as number) : 0;
  const perMention = hasSocialHistory ? (stats.logDemandPerMentionByLead[li] as number) : 0;

  // Shares are renormalised over the regions of this drop.
  const globalRaw = snap.regions.map((r) => (stats.globalRegionShare.get(r.regionId) ?? 0) + 1);
  const gSum = globalRaw.reduce((a, b) => a + b, 0);
  const globalShare = globalRaw.map((g) => g / gSum);
  const creatorRaw = snap.regions.map(
    (r, i) => (stats.creatorRegionShare.get(r.regionId) ?? 0) + SHARE_PRIOR_UNITS * (globalShare[i] as number),
  );
  const cSum = creatorRaw.reduce((a, b) => a + b, 0);
  const creatorShare = creatorRaw.map((c) => c / cSum);

  // Timing: the share of the pre-orders placed in the last 24 h says how far along the drop's
  // pre-order curve is; a line fitted on past drops turns it into a final/pre-order ratio.
  const velShare = logVelocityShare(velDrop, preDrop);
  const fit = stats.timingFitByLead[li] as CreatorHistoryStats['timingFitByLead'][number];
  const timingRatio = fit.intercept + fit.slope * velShare + fit.creatorResidual;
  const dropTotal = (preDrop + 1) * Math.exp(timingRatio);
  const exposure = Math.min(0.95, (preDrop + 1) / (dropTotal + 1));

  const rows: FeatureRow[] = [];
  snap.regions.forEach((reg, ri) => {
    const preRegion = reg.preorders.reduce((a, b) => a + b, 0);
    const socialRegion = CHANNELS.flatMap((_c, ci) =>
      SOCIAL_METRICS.map((_m, mi) => (hasSocial ? Math.log1p(reg.social[socialIndex(ci, mi)] ?? 0) : 0)),
    );
    const socialShare = hasSocial ? Math.log((mentionsOf(reg.social) + 1) / ((socialDrop[0] as number) + nReg)) : 0;
    const holders = hasHolders ? reg.tokenHolders : 0;
    const holdersShare = hasHolders ? Math.log((holders + 1) / (holdersTotal + nReg)) : 0;
    const regionUpdate =
      (preRegion + REGION_PRIOR_UNITS) / (preDrop * (creatorShare[ri] as number) + REGION_PRIOR_UNITS);
    snap.skus.forEach((sku, k) => {
      const p = reg.preorders[k] ?? 0;
      const skuShare = ((preSku[k] as number) + 1) / (preDrop + nSku);
      const naive = (preDrop + 1) * ratio * skuShare * (creatorShare[ri] as number);
      const cellTotal = dropTotal * skuShare * (creatorShare[ri] as number) * regionUpdate;
      const remaining =
        (cellTotal * (1 - exposure) * (CELL_PRIOR_SHAPE + p)) / (CELL_PRIOR_SHAPE + cellTotal * exposure);
      const values = [
        Math.log1p(p),
        Math.log1p(reg.velocity[k] ?? 0),
        Math.log1p(preRegion),
        Math.log1p(preSku[k] as number),
        Math.log1p(preDrop),
        Math.log1p(velDrop),
        snap.daysToOpen,
        Math.log(Math.max(sku.price, 0.01)),
        Math.log(Math.max(sku.price, 0.01) / Math.max(meanPrice, 0.01)),
        nSku,
        ...socialRegion,
        ...socialDrop.map((v) => (hasSocial ? Math.log1p(v) : 0)),
        socialShare,
        Math.log1p(holders),
        Math.log1p(holdersTotal),
        holdersShare,
        Math.log(creatorShare[ri] as number),
        Math.log(globalShare[ri] as number),
        Math.log1p(stats.creatorDrops),
        stats.meanLogDropDemand,
        Math.log(ratio),
        perRsvp,
        perMention,
        hasSocial && hasSocialHistory ? Math.log1p(socialDrop[4] as number) + perRsvp : 0,
        Math.log1p(preDrop) + Math.log(ratio),
        Math.log1p(naive),
        velShare,
        velShare - (stats.logVelocityShareByLead[li] ?? 0),
        timingRatio,
        Math.log(dropTotal),
        Math.log((preRegion + 1) / (preDrop + nReg)),
        Math.log(regionUpdate),
        Math.log1p(cellTotal),
        Math.log1p(remaining),
        stats.creatorDrops === 0 ? 1 : 0,
        hasSocial ? 1 : 0,
        hasHolders ? 1 : 0,
        hasSocialHistory ? 1 : 0,
      ];
      rows.push({
        dropId: snap.dropId,
        skuId: sku.id,
        regionId: reg.regionId,
        creatorId: snap.creatorId,
        leadDays: snap.daysToOpen,
        preorders: p,
        values,
      });
    });
  });
  return rows;
}

/**
 * A closed drop's signals as they stood `LEAD_TIMES[leadIndex]` days before it opened: what the
 * trainer feeds to `buildFeatureRows`, the same shape the service assembles at serving time.
 */
export function historySnapshot(drop: ClosedDrop, leadIndex: number): DropSnapshot {
  return {
    dropId: drop.id,
    creatorId: drop.creatorId,
    opensAt: drop.opensAt,
    daysToOpen: LEAD_TIMES[leadIndex] as number,
    skus: drop.skus,
    observed: {
      social: drop.observed.social[leadIndex] === true,
      tokenHolders: drop.observed.tokenHolders[leadIndex] === true,
    },
    regions: drop.regions.map((r) => ({
      regionId: r.regionId,
      social: r.social[leadIndex] as number[],
      tokenHolders: r.tokenHolders[leadIndex] as number,
      preorders: r.preorders.map((p) => p[leadIndex] as number),
      velocity: r.velocity.map((v) => v[leadIndex] as number),
    })),
  };
}

/** Forecast time of a snapshot, in ms since epoch. */
export function forecastTimeMs(snap: Pick<DropSnapshot, 'opensAt' | 'daysToOpen'>): number {
  return Date.parse(snap.opensAt) - snap.daysToOpen * 86_400_000;
}

/** Per-feature mean and standard deviation, fitted on training rows. */
export interface Standardiser {
  features: string[];
  mean: number[];
  std: number[];
}

export function fitStandardiser(rows: readonly FeatureRow[]): Standardiser {
  const n = rows.length;
  const mean = new Array<number>(FEATURE_COUNT).fill(0);
  const sq = new Array<number>(FEATURE_COUNT).fill(0);
  for (const r of rows) for (let j = 0; j < FEATURE_COUNT; j++) mean[j] = (mean[j] as number) + (r.values[j] as number);
  for (let j = 0; j < FEATURE_COUNT; j++) mean[j] = n ? (mean[j] as number) / n : 0;
  for (const r of rows) {
    for (let j = 0; j < FEATURE_COUNT; j++) {
      const d = (r.values[j] as number) - (mean[j] as number);
      sq[j] = (sq[j] as number) + d * d;
    }
  }
  const std = sq.map((s) => {
    const sd = n > 1 ? Math.sqrt(s / (n - 1)) : 1;
    return sd > 1e-9 ? sd : 1;
  });
  return { features: [...FEATURE_NAMES], mean, std };
}

/** Standardised features as one flat Float32Array (row-major), ready for a tensor. */
export function standardise(rows: readonly FeatureRow[], st: Standardiser): Float32Array {
  const f = st.features.length;
  const out = new Float32Array(rows.length * f);
  rows.forEach((r, i) => {
    for (let j = 0; j < f; j++) {
      const z = ((r.values[j] as number) - (st.mean[j] as number)) / (st.std[j] as number);
      // clip extreme values so a wild signal cannot blow up the network
      out[i * f + j] = Math.max(-8, Math.min(8, z));
    }
  });
  return out;
}
