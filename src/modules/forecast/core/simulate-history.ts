/**
 * Simulated drop history: a seeded, documented generative process whose truth is kept next to
 * the observations, so a backtest can score the "oracle" (the true predictive distribution).
 *
 * Generative process (all draws from one mulberry32 stream seeded by `config.seed`):
 *
 * 1. Regions r (ISO 3166-2 ids): a size weight w_r ~ LogNormal(0, 0.6) (× 1.6 for US regions),
 *    and a per-channel popularity π_r,ch ~ LogNormal(0, 0.4).
 * 2. Creators c: popularity P_c ~ LogNormal(ln 35, 0.6) with a yearly growth rate g_c ~ N(0.15, 0.3);
 *    a home country whose regions get ×3 affinity; persistent regional affinity
 *    a_c,r = home · LogNormal(0, 0.8), renormalised to mean 1; markets = home regions plus each other
 *    region with probability 0.75; pre-order propensity φ_c ~ Beta(3, 9) (share of final demand
 *    placed as pre-orders before opening, the "conversion" of interest into pre-orders, which
 *    varies by creator); over-dispersion α_c ~ U(0.12, 0.5); channel mix m_c ~ Dirichlet(1.2);
 *    token holder base H_c = P_c · LogNormal(ln 6, 0.4). Established creators start in the first
 *    two months, new creators in the last third of the span (so some creators have long histories
 *    and some are cold starts).
 * 3. Drops d, opening days uniform over the span, each by an active creator (∝ an activity rate):
 *    hype h_d ~ LogNormal(0, 0.55); 1–4 SKUs (p = .25/.35/.25/.15) with prices
 *    base · LogNormal(0, 0.3), base ~ LogNormal(ln 40, 0.5); SKU shares s_k ∝ Gamma(2) · (price/base)^-1.2,
 *    Σ s_k = n^0.6; a price level effect (base/40)^-0.7; a per-drop regional drift
 *    a_d,r = a_c,r · LogNormal(0, 0.25); a regional spike ×U(2.5, 6) with probability 0.02 per drop × region.
 *    Latent mean λ_d,k,r = P_c(t) · h_d · price effect · s_k · w_r · a_d,r · spike.
 * 4. Demand and pre-orders: per cell a gamma frailty G ~ Gamma(1/α_c, α_c) and intensity Λ = λG
 *    (so total demand is negative binomial with mean λ, dispersion α_c). Orders arrive as a Poisson
 *    process: pre-orders over the 14 days before opening with cumulative share φ_d · g(L),
 *    g(L) = ((14 − L)/14)^γ_d, γ_d ~ U(1, 2), φ_d = φ_c · LogNormal(0, 0.2) (≤ 0.85); the rest,
 *    Λ(1 − φ_d), during the drop window. Demand Y = all orders (pre-orders included).
 *    Given λ, α and the pre-orders p_L observed at lead L (exposure e_L = φ_d g(L)), the remaining
 *    demand Y − p_L is exactly NB(mean λ(1 − e_L)(k + p_L)/(k + λe_L), dispersion 1/(k + p_L)),
 *    k = 1/α (gamma-Poisson conjugacy): this is the stored oracle, the Bayes-optimal forecast.
 * 5. Social signals (cumulative since 21 days before opening, share c(L) = ((21 − L)/21)^1.3): a
 *    regional attention A = (P_c(t)/35)^0.8 · h_d^0.9 · w_r · a_d,r^0.7 · spike^0.7 · LogNormal(0, 0.45)
 *    (the noise is independent of demand, so social is informative but noisy); per channel,
 *    mentions are NB(12 · A · 6m_c,ch · π_r,ch · Δc, 0.3) increments; views, likes and shares are
 *    thinned Poisson cascades of mentions with per-(drop, region, channel) rates; RSVPs (discord,
 *    telegram, youtube, other only) are Poisson(0.04 · Σ_k λ · 6m_c,ch · Δc).
 * 6. Token holders by region: Poisson(H_c · w_r · a_c,r^0.8 · ν_c,r · growth), ν ~ LogNormal(0, 0.35)
 *    fixed per creator × region — informative about persistent affinity, not about the drop.
 *
 * `social: false` generates the same drops (the same random draws, so demand and pre-orders are
 * identical to the default run's) but records no social signal at all: every drop's social kind is
 * missing, as in a history from a shop that tracks no social channels.
 *
 * Reading a history file back (and its checks) is `training-history.ts`'s business, outside the core.
 */
import {
  CHANNELS,
  LEAD_TIMES,
  SOCIAL_METRICS,
  SOCIAL_WIDTH,
  socialIndex,
  type ClosedDrop,
  type ClosedDropRegion,
  type SkuInfo,
} from './forecast-types';
import { beta, gamma, logNormal, mulberry32, negBinomial, normal, poisson, uniform, type Rng } from './rng';

/** Region ids (ISO 3166-2). The first `config.regions` are used. */
export const REGION_IDS = [
  'US-CA',
  'US-NY',
  'US-TX',
  'US-FL',
  'US-WA',
  'US-IL',
  'US-MA',
  'US-GA',
  'US-CO',
  'US-PA',
  'US-OR',
  'US-NJ',
  'US-AZ',
  'US-MI',
  'US-NC',
  'US-VA',
  'US-MN',
  'US-OH',
  'CA-ON',
  'CA-BC',
  'CA-QC',
  'CA-AB',
  'MX-CMX',
  'BR-SP',
  'BR-RJ',
  'AR-C',
  'GB-LND',
  'GB-MAN',
  'GB-EDH',
  'IE-D',
  'FR-IDF',
  'FR-ARA',
  'DE-BE',
  'DE-BY',
  'DE-HH',
  'DE-NW',
  'NL-NH',
  'BE-BRU',
  'ES-MD',
  'ES-CT',
  'IT-25',
  'IT-62',
  'SE-AB',
  'DK-84',
  'NO-03',
  'FI-18',
  'PL-14',
  'AT-9',
  'CH-ZH',
  'PT-11',
  'JP-13',
  'JP-27',
  'KR-11',
  'SG-01',
  'AU-NSW',
  'AU-VIC',
  'NZ-AUK',
  'IN-MH',
  'AE-DU',
  'ZA-GT',
] as const;

export interface SimulationConfig {
  seed: number;
  drops: number;
  regions: number;
  creators: number;
  /** of the creators, how many start late (cold starts) */
  newCreators: number;
  /** ISO date of the first possible opening */
  start: string;
  spanDays: number;
  /** record social signals (default true); false: the social kind is missing on every drop */
  social: boolean;
}

export const DEFAULT_SIMULATION_CONFIG: SimulationConfig = {
  seed: 20240601,
  drops: 340,
  regions: 56,
  creators: 12,
  newCreators: 4,
  start: '2023-01-02',
  spanDays: 720,
  social: true,
};

export interface SimulatedCreator {
  id: string;
  name: string;
  homeCountry: string;
  firstDropDay: number;
  truth: { popularity: number; growth: number; preorderPropensity: number; dispersion: number };
}

export interface SimulatedDropRegion extends ClosedDropRegion {
  /** [sku] latent mean λ */
  truthMean: number[];
  /** [sku][lead] = [μ, α]: the true NB of the remaining demand Y − preorders at that lead */
  oracle: number[][][];
  /** regional spike multiplier (1 = none) */
  spike: number;
}

export interface SimulatedDrop extends ClosedDrop {
  skus: SkuInfo[];
  truth: { hype: number; preorderShare: number; timingExponent: number; dispersion: number };
  regions: SimulatedDropRegion[];
}

export interface SimulatedHistory {
  format: 'microfulfil.simulated-history';
  version: 1;
  config: SimulationConfig;
  leadTimes: number[];
  channels: string[];
  metrics: string[];
  regions: { id: string; weight: number }[];
  creators: SimulatedCreator[];
  drops: SimulatedDrop[];
}

const CREATOR_NAMES = [
  'Nova Threads',
  'Kite & Co',
  'Moss Lab',
  'Pixel Saints',
  'Lumen Goods',
  'Odd Orbit',
  'Saltwater',
  'Ferro Studio',
  'Quiet Riot Merch',
  'Paper Moons',
  'Velvet Static',
  'Arc Supply',
  'Mono Bloom',
  'Rune Works',
  'Solar Club',
  'Tidal Type',
];

/** Significant-digit rounding so the JSON stays compact. */
function sig(x: number, digits = 4): number {
  return x === 0 || !Number.isFinite(x) ? 0 : Number(x.toPrecision(digits));
}

function dirichlet(rng: Rng, n: number, a: number): number[] {
  const g = Array.from({ length: n }, () => gamma(rng, a));
  const s = g.reduce((x, y) => x + y, 0);
  return g.map((x) => x / s);
}

function pickWeighted(rng: Rng, weights: number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] as number;
    if (u <= 0) return i;
  }
  return weights.length - 1;
}

const DAY_MS = 86_400_000;
const PREORDER_DAYS = 14;
const SOCIAL_DAYS = 21;
/** Event-capable channels carry RSVPs. */
const RSVP_CHANNELS = new Set(['discord', 'telegram', 'youtube', 'other']);

/** Generate a full simulated history. Same config → identical output. */
export function simulateHistory(partial: Partial<SimulationConfig> = {}): SimulatedHistory {
  const config: SimulationConfig = { ...DEFAULT_SIMULATION_CONFIG, ...partial };
  if (config.regions < 1 || config.regions > REGION_IDS.length) {
    throw new RangeError(`regions must be within 1..${REGION_IDS.length}`);
  }
  const rng = mulberry32(config.seed);
  const startMs = Date.parse(`${config.start}T00:00:00Z`);

  // 1. regions
  const regionIds = REGION_IDS.slice(0, config.regions);
  const regionCountry = regionIds.map((id) => id.split('-')[0] as string);
  const weightsRaw = regionIds.map((id) => logNormal(rng, 0, 0.6) * (id.startsWith('US-') ? 1.6 : 1));
  const wMean = weightsRaw.reduce((a, b) => a + b, 0) / weightsRaw.length;
  const regionWeight = weightsRaw.map((w) => w / wMean);
  const channelPop = regionIds.map(() => CHANNELS.map(() => logNormal(rng, 0, 0.4)));
  const countries = [...new Set(regionCountry)];

  // 2. creators
  const creators: SimulatedCreator[] = [];
  const affinity: number[][] = [];
  const markets: number[][] = [];
  const channelMix: number[][] = [];
  const holderBase: number[][] = [];
  const activity: number[] = [];
  for (let c = 0; c < config.creators; c++) {
    const isNew = c >= config.creators - config.newCreators;
    const homeCountry = countries[Math.floor(rng() * countries.length)] as string;
    const popularity = logNormal(rng, Math.log(35), 0.6);
    const growth = normal(rng, 0.15, 0.3);
    const preorderPropensity = beta(rng, 3, 9);
    const dispersion = uniform(rng, 0.12, 0.5);
    const firstDropDay = isNew
      ? Math.floor(uniform(rng, (2 * config.spanDays) / 3, config.spanDays * 0.85))
      : Math.floor(uniform(rng, 0, 60));
    const aff = regionIds.map((_, r) => (regionCountry[r] === homeCountry ? 3 : 1) * logNormal(rng, 0, 0.8));
    const inMarket = regionIds.map((_, r) => regionCountry[r] === homeCountry || rng() < 0.75);
    const mk = regionIds.map((_, r) => r).filter((r) => inMarket[r]);
    const aMean = mk.reduce((s, r) => s + (aff[r] as number), 0) / Math.max(1, mk.length);
    affinity.push(aff.map((a) => a / aMean));
    markets.push(mk);
    channelMix.push(dirichlet(rng, CHANNELS.length, 1.2));
    const hBase = popularity * logNormal(rng, Math.log(6), 0.4);
    holderBase.push(
      regionIds.map(
        (_, r) =>
          hBase * (regionWeight[r] as number) * Math.pow(affinity[c]?.[r] as number, 0.8) * logNormal(rng, 0, 0.35),
      ),
    );
    activity.push(logNormal(rng, 0, 0.4) * (isNew ? 1.6 : 1));
    creators.push({
      id: `cr-${String(c + 1).padStart(2, '0')}`,
      name: CREATOR_NAMES[c % CREATOR_NAMES.length] as string,
      homeCountry,
      firstDropDay,
      truth: {
        popularity: sig(popularity),
        growth: sig(growth),
        preorderPropensity: sig(preorderPropensity),
        dispersion: sig(dispersion),
      },
    });
  }

  // 3. drops
  const openDays = Array.from({ length: config.drops }, () => uniform(rng, 0, config.spanDays)).sort((a, b) => a - b);
  const drops: SimulatedDrop[] = [];
  const skuCountP = [0.25, 0.35, 0.25, 0.15];
  openDays.forEach((day, d) => {
    const active = creators.map((cr, c) => (cr.firstDropDay <= day ? (activity[c] as number) : 0));
    const c = active.some((a) => a > 0) ? pickWeighted(rng, active) : 0;
    const creator = creators[c] as SimulatedCreator;
    const years = day / 365;
    const popNow = creator.truth.popularity * Math.exp(creator.truth.growth * years);
    const hype = logNormal(rng, 0, 0.55);
    const nSku = 1 + pickWeighted(rng, skuCountP);
    const basePrice = logNormal(rng, Math.log(40), 0.5);
    const prices = Array.from({ length: nSku }, () =>
      Math.max(5, Math.round(basePrice * logNormal(rng, 0, 0.3)) - 0.01),
    );
    const rawShare = prices.map((p) => gamma(rng, 2) * Math.pow(p / basePrice, -1.2));
    const rsum = rawShare.reduce((a, b) => a + b, 0);
    const skuShare = rawShare.map((s) => (s / rsum) * Math.pow(nSku, 0.6));
    const priceEffect = Math.pow(basePrice / 40, -0.7);
    const preorderShare = Math.min(0.85, creator.truth.preorderPropensity * logNormal(rng, 0, 0.2));
    const timingExponent = uniform(rng, 1, 2);
    const alpha = creator.truth.dispersion;
    const k = 1 / alpha;
    const g = (lead: number): number => Math.pow(Math.max(0, PREORDER_DAYS - lead) / PREORDER_DAYS, timingExponent);
    const cs = (lead: number): number => Math.pow(Math.max(0, SOCIAL_DAYS - lead) / SOCIAL_DAYS, 1.3);
    // opening on the hour, in the order of the sorted opening days
    const opensMs = startMs + Math.round(day * 24) * 3_600_000;
    const closesMs = opensMs + (2 + Math.floor(rng() * 4)) * DAY_MS;
    const dropId = `dr-${String(d + 1).padStart(4, '0')}`;
    const skus: SkuInfo[] = prices.map((price, i) => ({ id: `${dropId}-s${i + 1}`, price: Number(price.toFixed(2)) }));

    const regions: SimulatedDropRegion[] = [];
    for (const r of markets[c] as number[]) {
      const aDrop = (affinity[c]?.[r] as number) * logNormal(rng, 0, 0.25);
      const spike = rng() < 0.02 ? uniform(rng, 2.5, 6) : 1;
      const base = popNow * hype * priceEffect * (regionWeight[r] as number) * aDrop * spike;
      const lambdas = skuShare.map((s) => base * s);

      // 4. demand, pre-orders, oracle
      // pre-order segment boundaries (days before opening): cumulative counts at 8,7,4,3,2,1,0
      const bounds = [PREORDER_DAYS, 8, 7, 4, 3, 2, 1, 0];
      const preorders: number[][] = [];
      const velocity: number[][] = [];
      const demand: number[] = [];
      const oracle: number[][][] = [];
      for (const lam of lambdas) {
        const intensity = lam * gamma(rng, k, alpha);
        const cum = new Map<number, number>();
        let total = 0;
        for (let i = 1; i < bounds.length; i++) {
          const from = bounds[i - 1] as number;
          const to = bounds[i] as number;
          total += poisson(rng, intensity * preorderShare * (g(to) - g(from)));
          cum.set(to, total);
        }
        const window = poisson(rng, intensity * (1 - preorderShare));
        demand.push(total + window);
        const at = (lead: number): number => cum.get(lead) as number;
        preorders.push(LEAD_TIMES.map((L) => at(L)));
        velocity.push(LEAD_TIMES.map((L) => at(L) - at(L + 1)));
        oracle.push(
          LEAD_TIMES.map((L) => {
            const e = preorderShare * g(L);
            const p = at(L);
            const mu = (lam * (1 - e) * (k + p)) / (k + lam * e);
            return [sig(mu, 5), sig(1 / (k + p), 5)];
          }),
        );
      }

      // 5. social
      const lamTotal = lambdas.reduce((a, b) => a + b, 0);
      const attention =
        Math.pow(popNow / 35, 0.8) *
        Math.pow(hype, 0.9) *
        (regionWeight[r] as number) *
        Math.pow(aDrop, 0.7) *
        Math.pow(spike, 0.7) *
        logNormal(rng, 0, 0.45);
      const social: number[][] = LEAD_TIMES.map(() => new Array<number>(SOCIAL_WIDTH).fill(0));
      CHANNELS.forEach((ch, ci) => {
        const mix = 6 * (channelMix[c]?.[ci] as number);
        const viewRate = logNormal(rng, Math.log(120), 0.4);
        const likeRate = 0.06 * logNormal(rng, 0, 0.3);
        const shareRate = 0.15 * logNormal(rng, 0, 0.3);
        const acc = new Array<number>(SOCIAL_METRICS.length).fill(0);
        let prevLead = SOCIAL_DAYS;
        LEAD_TIMES.forEach((L, li) => {
          const dc = cs(L) - cs(prevLead);
          const m = negBinomial(rng, 12 * attention * mix * (channelPop[r]?.[ci] as number) * dc, 0.3);
          const v = poisson(rng, m * viewRate);
          const lk = poisson(rng, v * likeRate);
          const sh = poisson(rng, lk * shareRate);
          const rs = RSVP_CHANNELS.has(ch) ? poisson(rng, 0.04 * lamTotal * mix * dc) : 0;
          acc[0] = (acc[0] as number) + m;
          acc[1] = (acc[1] as number) + v;
          acc[2] = (acc[2] as number) + lk;
          acc[3] = (acc[3] as number) + sh;
          acc[4] = (acc[4] as number) + rs;
          for (let mi = 0; mi < SOCIAL_METRICS.length; mi++) {
            (social[li] as number[])[socialIndex(ci, mi)] = acc[mi] as number;
          }
          prevLead = L;
        });
      });

      // 6. token holders
      const growthNow = Math.exp(0.3 * years);
      const hb = (holderBase[c]?.[r] as number) * growthNow;
      const h7 = poisson(rng, hb);
      const h3 = h7 + poisson(rng, hb * 0.01);
      const h1 = h3 + poisson(rng, hb * 0.005);

      regions.push({
        regionId: regionIds[r] as string,
        social: config.social ? social : social.map((s) => s.map(() => 0)),
        tokenHolders: [h7, h3, h1],
        preorders,
        velocity,
        demand,
        truthMean: lambdas.map((l) => sig(l, 5)),
        oracle,
        spike: sig(spike, 3),
      });
    }
    drops.push({
      id: dropId,
      creatorId: creator.id,
      opensAt: new Date(opensMs).toISOString(),
      closesAt: new Date(closesMs).toISOString(),
      skus,
      observed: { social: LEAD_TIMES.map(() => config.social), tokenHolders: LEAD_TIMES.map(() => true) },
      truth: {
        hype: sig(hype),
        preorderShare: sig(preorderShare),
        timingExponent: sig(timingExponent),
        dispersion: alpha,
      },
      regions,
    });
  });

  return {
    format: 'microfulfil.simulated-history',
    version: 1,
    config,
    leadTimes: [...LEAD_TIMES],
    channels: [...CHANNELS],
    metrics: [...SOCIAL_METRICS],
    regions: regionIds.map((id, r) => ({ id, weight: sig(regionWeight[r] as number) })),
    creators,
    drops,
  };
}

/** A few totals for logs and model metadata. */
export function summariseHistory(h: { drops: readonly ClosedDrop[] }): {
  drops: number;
  creators: number;
  regions: number;
  cells: number;
  totalDemand: number;
  firstOpen: string | null;
  lastClose: string | null;
} {
  let cells = 0;
  let totalDemand = 0;
  const regions = new Set<string>();
  for (const d of h.drops) {
    for (const r of d.regions) {
      regions.add(r.regionId);
      cells += r.demand.length;
      for (const y of r.demand) totalDemand += y;
    }
  }
  return {
    drops: h.drops.length,
    creators: new Set(h.drops.map((d) => d.creatorId)).size,
    regions: regions.size,
    cells,
    totalDemand,
    firstOpen: h.drops.length ? (h.drops.map((d) => d.opensAt).sort()[0] ?? null) : null,
    lastClose: h.drops.length
      ? (h.drops
          .map((d) => d.closesAt)
          .sort()
          .at(-1) ?? null)
      : null,
  };
}
