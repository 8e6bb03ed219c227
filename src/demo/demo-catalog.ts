import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Principal } from '../http/principal';
import { fixedClock, type Clock } from '../shared/clock';
import { idSchema } from '../shared/ids';
import type { AllocationService } from '../modules/allocation';
import type { ForecastService } from '../modules/forecast';
import type { ReportsService } from '../modules/reports';
import {
  creatorInputSchema,
  dropInputSchema,
  hubInputSchema,
  partnerInputSchema,
  regionInputSchema,
  supplierInputSchema,
} from '../modules/catalog';
import type { CatalogService } from '../modules/catalog';
import { recordsOfArray } from '../shared/record-stream';
import type { SignalsService } from '../modules/signals';

export const DEMO_CATALOG_PATH = path.resolve('data/demo/catalog.json');
export const DEMO_SIGNALS_PATH = path.resolve('data/demo/signals.json');
export const DEMO_DROP_ID = 'drop-nova-winter';
/** The closed past drop of the demo: forecast, plan, realised orders and a post-drop report on first start. */
export const DEMO_PAST_DROP_ID = 'drop-nova-ember';
const SYSTEM: Principal = { keyId: 'system', role: 'admin' };
const DAY_MS = 86_400_000;

/** The demo file: catalog inputs as the API takes them, with drop dates relative to "now". */
const demoCatalogSchema = z.object({
  partners: z.array(z.object({ id: idSchema }).passthrough()),
  regions: z.array(z.object({ id: idSchema }).passthrough()),
  hubs: z.array(z.object({ id: idSchema }).passthrough()),
  suppliers: z.array(z.object({ id: idSchema }).passthrough()),
  creators: z.array(z.object({ id: idSchema }).passthrough()),
  drops: z.array(
    z.object({
      id: idSchema,
      creator_id: idSchema,
      name: z.string(),
      /** Negative: a past drop (loaded with its history when `signals_file` names it). */
      opens_in_days: z.number().int(),
      opens_at_utc_time: z.string().regex(/^\d\d:\d\d$/),
      duration_hours: z.number().positive(),
      promise_business_days: z.number().int(),
      status: z.enum(['draft', 'scheduled', 'live', 'closed']),
      baseline: z.unknown(),
      /** A past drop's signals and realised orders, beside the catalog file. */
      signals_file: z.string().optional(),
      /** When the past drop's forecast and plan were made, in days before it opened. */
      planned_days_before_open: z.number().int().min(1).optional(),
      skus: z.array(
        z.object({
          id: idSchema,
          name: z.string(),
          price: z.number(),
          unit_cost: z.number(),
          sourcing: z.array(
            z.object({
              supplier_id: idSchema,
              units_available: z.number().int(),
              available_days_before_open: z.number().int(),
            }),
          ),
        }),
      ),
    }),
  ),
});

const strip = <T extends { id: string }>(item: T) => {
  const { id, ...rest } = item;
  return { id, body: rest };
};

type DemoSignals = Pick<SignalsService, 'importPreorders' | 'importSocialSignals' | 'importTokenHolderSnapshots'>;

/** What the closed past drop needs beyond the catalog: the same services the API uses. */
export interface DemoHistoryServices {
  forecast: Pick<ForecastService, 'runForecast'>;
  /** The planner as it ran on a given clock (the past drop's plan is made before it opened). */
  plannerAt: (clock: Clock) => Pick<AllocationService, 'computePlan' | 'publishPlan'>;
  reports: Pick<ReportsService, 'reportClosedDrops'>;
}

/**
 * Loads the demo catalog through the same validated service calls the API uses. It runs once:
 * when the demo drop already exists it does nothing, so restarts keep what users changed.
 * With `signals`, the upcoming drop gets its signals; with `history` too, each past drop of the
 * file (one with a `signals_file`) gets its signals, a forecast and a published plan as of a week
 * before it opened, its realised orders, and its post-drop report.
 */
export async function loadDemoCatalog(
  catalog: CatalogService,
  clock: Clock,
  file = DEMO_CATALOG_PATH,
  signals?: DemoSignals,
  history?: DemoHistoryServices,
): Promise<{ loaded: boolean; dropId: string }> {
  const demo = demoCatalogSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const firstDrop = demo.drops[0]!;
  try {
    await catalog.getDrop(SYSTEM, firstDrop.id);
    return { loaded: false, dropId: firstDrop.id };
  } catch {
    // not there yet: load below
  }
  for (const p of demo.partners.map(strip)) await catalog.putPartner(p.id, partnerInputSchema.parse(p.body));
  for (const r of demo.regions.map(strip)) await catalog.putRegion(r.id, regionInputSchema.parse(r.body));
  for (const h of demo.hubs.map(strip)) await catalog.putHub(h.id, hubInputSchema.parse(h.body));
  for (const s of demo.suppliers.map(strip)) await catalog.putSupplier(s.id, supplierInputSchema.parse(s.body));
  for (const c of demo.creators.map(strip)) await catalog.putCreator(c.id, creatorInputSchema.parse(c.body));
  const pastDrops: { id: string; opensAt: Date; closesAt: Date; file: string; plannedDaysBefore: number }[] = [];
  for (const drop of demo.drops) {
    const today = new Date(clock.now().toISOString().slice(0, 10) + `T${drop.opens_at_utc_time}:00Z`);
    const opensAt = new Date(today.getTime() + drop.opens_in_days * DAY_MS);
    const closesAt = new Date(opensAt.getTime() + drop.duration_hours * 3_600_000);
    await catalog.putDrop(
      SYSTEM,
      drop.id,
      dropInputSchema.parse({
        creator_id: drop.creator_id,
        name: drop.name,
        opens_at: opensAt.toISOString(),
        closes_at: closesAt.toISOString(),
        promise_business_days: drop.promise_business_days,
        status: drop.status,
        baseline: drop.baseline,
      }),
    );
    if (drop.signals_file) {
      pastDrops.push({
        id: drop.id,
        opensAt,
        closesAt,
        file: path.join(path.dirname(file), drop.signals_file),
        plannedDaysBefore: drop.planned_days_before_open ?? 7,
      });
    }
    for (const sku of drop.skus) {
      await catalog.putSku(SYSTEM, drop.id, sku.id, {
        name: sku.name,
        price: sku.price,
        unit_cost: sku.unit_cost,
        sourcing: sku.sourcing.map((s) => ({
          supplier_id: s.supplier_id,
          units_available: s.units_available,
          available_on: new Date(opensAt.getTime() - s.available_days_before_open * DAY_MS).toISOString().slice(0, 10),
        })),
      });
    }
  }
  if (signals) await loadDemoSignals(signals, firstDrop.id, clock.now());
  if (signals && history) {
    for (const past of pastDrops)
      await loadDemoPastDrop({ signals, ...history }, past, past.file, past.plannedDaysBefore);
    // The report job's own step: every closed drop gets its report and joins the training history.
    await history.reports.reportClosedDrops();
  }
  return { loaded: true, dropId: firstDrop.id };
}

const demoSignalsSchema = z.object({
  channels: z.array(z.string()),
  metrics: z.array(z.string()),
  skus: z.array(idSchema),
  regions: z.record(
    z.string(),
    z.object({
      preorders: z.array(z.number().int().min(0)),
      velocity: z.array(z.number().int().min(0)),
      social: z.array(z.number().min(0)),
      token_holders: z.number().int().min(0),
    }),
  ),
});

/**
 * The demo drop's signals as they stand a week before opening (data/demo/signals.json, derived
 * from a simulated drop), ingested through the signals service like any import: pre-orders spread
 * over the last six days with the last day's share as given, one reading per social series, one
 * token-holder snapshot per region.
 */
export async function loadDemoSignals(
  signals: Pick<SignalsService, 'importPreorders' | 'importSocialSignals' | 'importTokenHolderSnapshots'>,
  dropId: string,
  now: Date,
  file = DEMO_SIGNALS_PATH,
): Promise<void> {
  const demo = demoSignalsSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const at = (msAgo: number) => new Date(now.getTime() - msAgo).toISOString();
  const preorders: Record<string, unknown>[] = [];
  const social: Record<string, unknown>[] = [];
  const tokens: Record<string, unknown>[] = [];
  for (const [regionId, region] of Object.entries(demo.regions)) {
    demo.skus.forEach((skuId, s) => {
      const total = region.preorders[s] ?? 0;
      const lastDay = Math.min(total, region.velocity[s] ?? 0);
      for (let k = 0; k < total; k++) {
        // Older pre-orders evenly over days 6 → 1 ago; the last day's evenly over the last 24 h.
        const msAgo =
          k < total - lastDay
            ? DAY_MS * (6 - (5 * k) / Math.max(1, total - lastDay))
            : DAY_MS * (1 - (k - (total - lastDay) + 0.5) / lastDay);
        preorders.push({
          id: `demo-${regionId}-${skuId}-${k}`,
          sku_id: skuId,
          quantity: 1,
          region_id: regionId,
          placed_at: at(Math.max(60_000, msAgo)),
          status: 'placed',
        });
      }
    });
    region.social.forEach((value, i) => {
      if (value > 0) {
        const channel = demo.channels[Math.floor(i / demo.metrics.length)];
        const metric = demo.metrics[i % demo.metrics.length];
        social.push({ region_id: regionId, channel, metric, value, observed_at: at(3_600_000) });
      }
    });
    tokens.push({
      region_id: regionId,
      holders: region.token_holders,
      tokens: region.token_holders * 2,
      observed_at: at(3_600_000),
    });
  }
  await signals.importPreorders(SYSTEM, dropId, [recordsOfArray(preorders)]);
  await signals.importSocialSignals(SYSTEM, dropId, [recordsOfArray(social)]);
  await signals.importTokenHolderSnapshots(SYSTEM, dropId, [recordsOfArray(tokens)]);
}

const pastDropSchema = z.object({
  lead_days: z.array(z.number().int().positive()),
  channels: z.array(z.string()),
  metrics: z.array(z.string()),
  skus: z.array(idSchema),
  regions: z.record(
    z.string(),
    z.object({
      /** [sku][lead], cumulative pre-orders at each lead time (days before opening, as lead_days). */
      preorders: z.array(z.array(z.number().int().min(0))),
      /** [sku][lead], pre-orders of the last 24 h before each lead time. */
      velocity: z.array(z.array(z.number().int().min(0))),
      /** [lead][channel × metric], cumulative engagement. */
      social: z.array(z.array(z.number().min(0))),
      token_holders: z.array(z.number().int().min(0)),
      /** [sku], units ordered over the whole drop, pre-orders included. */
      demand: z.array(z.number().int().min(0)),
    }),
  ),
});

/**
 * Instants of `count` orders in [startMs, endMs): the last `lastDay` of them evenly over its final
 * 24 hours, the others evenly before. Deterministic, so the demo is the same on every first start.
 */
function spread(count: number, lastDay: number, startMs: number, endMs: number): number[] {
  const recent = Math.min(count, lastDay);
  const earlyEnd = Math.max(startMs, endMs - DAY_MS);
  const early = count - recent;
  return [
    ...Array.from({ length: early }, (_, k) => startMs + ((k + 0.5) / early) * (earlyEnd - startMs)),
    ...Array.from({ length: recent }, (_, k) => earlyEnd + ((k + 0.5) / recent) * (endMs - earlyEnd)),
  ];
}

/**
 * A closed past drop as it happened: signals up to the opening, the forecast and the published plan
 * made `plannedDaysBefore` days before it opened (the planner's clock set to then, so supplier lead
 * times are judged as they were), and the window's orders, front-loaded over the drop's hours.
 */
async function loadDemoPastDrop(
  services: DemoHistoryServices & { signals: DemoSignals },
  drop: { id: string; opensAt: Date; closesAt: Date },
  file: string,
  plannedDaysBefore: number,
): Promise<void> {
  const demo = pastDropSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const opens = drop.opensAt.getTime();
  const window = drop.closesAt.getTime() - opens;
  const iso = (ms: number) => new Date(ms).toISOString();
  const preorders: Record<string, unknown>[] = [];
  const social: Record<string, unknown>[] = [];
  const tokens: Record<string, unknown>[] = [];
  // Lead times from the longest: pre-orders counted at lead L were placed between the lead before it and L.
  const leads = [...demo.lead_days].sort((a, b) => b - a);
  for (const [regionId, region] of Object.entries(demo.regions)) {
    demo.skus.forEach((skuId, s) => {
      const at: number[] = [];
      let before = 0;
      leads.forEach((lead, l) => {
        const count = (region.preorders[s]?.[l] ?? before) - before;
        const startMs = opens - (l === 0 ? 2 * lead : leads[l - 1]!) * DAY_MS;
        at.push(...spread(Math.max(0, count), region.velocity[s]?.[l] ?? 0, startMs, opens - lead * DAY_MS));
        before += Math.max(0, count);
      });
      // The rest of the demand came in the window, front-loaded: the k-th of n at 1 − √(1 − u) of it.
      const inWindow = Math.max(0, (region.demand[s] ?? 0) - before);
      for (let k = 0; k < inWindow; k++) at.push(opens + (1 - Math.sqrt(1 - (k + 0.5) / inWindow)) * window);
      at.forEach((ms, k) =>
        preorders.push({
          id: `demo-${drop.id}-${regionId}-${skuId}-${k}`,
          sku_id: skuId,
          quantity: 1,
          region_id: regionId,
          placed_at: iso(Math.round(ms)),
          status: 'placed',
        }),
      );
    });
    leads.forEach((lead, l) => {
      const observedAt = iso(opens - lead * DAY_MS - 3_600_000);
      (region.social[l] ?? []).forEach((value, i) => {
        if (value > 0) {
          const channel = demo.channels[Math.floor(i / demo.metrics.length)];
          const metric = demo.metrics[i % demo.metrics.length];
          social.push({ region_id: regionId, channel, metric, value, observed_at: observedAt });
        }
      });
      const holders = region.token_holders[l] ?? 0;
      tokens.push({ region_id: regionId, holders, tokens: holders * 2, observed_at: observedAt });
    });
  }
  await services.signals.importPreorders(SYSTEM, drop.id, [recordsOfArray(preorders)]);
  await services.signals.importSocialSignals(SYSTEM, drop.id, [recordsOfArray(social)]);
  await services.signals.importTokenHolderSnapshots(SYSTEM, drop.id, [recordsOfArray(tokens)]);

  const plannedAt = new Date(opens - plannedDaysBefore * DAY_MS);
  await services.forecast.runForecast(SYSTEM, drop.id, { asOf: plannedAt });
  const planner = services.plannerAt(fixedClock(plannedAt));
  const plan = await planner.computePlan(SYSTEM, drop.id);
  await planner.publishPlan(SYSTEM, plan.id);
}
