/**
 * Micro-benchmark of the delivery-estimate core, for the integrator to report (not a test).
 * Times `iterations` calls of estimateDelivery with order instants spread over a fortnight
 * (both sides of cutoffs, weekends, a DST change) and 4 hubs in 4 zones, after a warm-up.
 *
 *   npx tsx src/bench/delivery-core-bench.ts [iterations]
 *
 * This file reads the clock (performance.now); the core it measures does not.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { estimateCart, estimateDelivery } from '../modules/delivery/core/delivery-window';
import type { CartLineInput, DeliveryEstimateInput, HubCandidate } from '../modules/delivery/core/delivery-window';
import type { BenchFigure } from './bench-types';

export interface DeliveryBenchResult {
  iterations: number;
  total_ms: number;
  /** mean microseconds per estimate */
  per_estimate_us: number;
  estimates_per_second: number;
  /** the same for 10-line carts, per cart */
  cart_lines: number;
  per_cart_us: number;
}

function benchHubs(): HubCandidate[] {
  return [
    {
      id: 'hub-la',
      time_zone: 'America/Los_Angeles',
      cutoff_local: '14:00',
      handling_days: 0,
      lane: { transit_days_min: 1, transit_days_max: 2 },
      available_units: 3,
    },
    {
      id: 'hub-sf',
      time_zone: 'America/Los_Angeles',
      cutoff_local: '15:30',
      handling_days: 0,
      lane: { transit_days_min: 1, transit_days_max: 3 },
      available_units: 50,
    },
    {
      id: 'hub-nrt',
      time_zone: 'Asia/Tokyo',
      cutoff_local: '16:00',
      handling_days: 1,
      lane: { transit_days_min: 3, transit_days_max: 5 },
      available_units: 500,
    },
    {
      id: 'hub-lhr',
      time_zone: 'Europe/London',
      cutoff_local: '12:00',
      handling_days: 1,
      lane: null,
      available_units: 500,
    },
  ];
}

export function benchmarkDeliveryEstimates(iterations = 100_000): DeliveryBenchResult {
  const start = Date.UTC(2024, 2, 1); // spans the 10 March 2024 US DST change
  const step = 7 * 60_000 + 13_000; // 7 min 13 s: walks through every hour and both sides of cutoffs
  const span = 14 * 86_400_000;
  const instants: string[] = [];
  for (let t = 0; t < span; t += step) instants.push(new Date(start + t).toISOString());
  const inputs: DeliveryEstimateInput[] = [];
  const region = { id: 'US-CA', time_zone: 'America/Los_Angeles' };
  const hubs = benchHubs();
  const supplier = {
    id: 'microfactory',
    handling_days: 2,
    transit_days_min: 2,
    transit_days_max: 3,
    available_units: 1000,
  };
  const baseline = { id: 'central-dc', handling_days: 1, transit_days_min: 3, transit_days_max: 5 };
  for (let i = 0; i < instants.length; i++) {
    inputs.push({
      ordered_at: instants[i]!,
      quantity: 1 + (i % 5),
      region,
      promise_business_days: 2,
      hubs,
      supplier,
      baseline,
    });
  }

  let sink = 0;
  const run = (n: number): number => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const e = estimateDelivery(inputs[i % inputs.length]!);
      sink += e.status === 'promise' ? e.days_max : 1;
    }
    return performance.now() - t0;
  };
  run(Math.min(iterations, 20_000)); // warm-up: JIT and the per-zone offset caches
  const totalMs = run(iterations);

  const cartLines: CartLineInput[] = Array.from({ length: 10 }, (_, i) => ({
    sku: `sku-${i % 4}`,
    quantity: 1 + (i % 3),
    promise_business_days: 2,
    hubs,
    supplier,
    baseline,
  }));
  const carts = Math.max(1, Math.floor(iterations / 10));
  const c0 = performance.now();
  for (let i = 0; i < carts; i++) {
    const c = estimateCart({ ordered_at: instants[i % instants.length]!, region, lines: cartLines });
    sink += c.lines.length;
  }
  const cartMs = performance.now() - c0;
  if (sink === -1) console.log(sink); // keep the results observable

  return {
    iterations,
    total_ms: round(totalMs, 1),
    per_estimate_us: round((totalMs * 1000) / iterations, 3),
    estimates_per_second: Math.round(iterations / (totalMs / 1000)),
    cart_lines: cartLines.length,
    per_cart_us: round((cartMs * 1000) / carts, 3),
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The same figures in the shape of bench-types.ts. */
export function deliveryBenchFigures(iterations = 100_000): BenchFigure[] {
  const r = benchmarkDeliveryEstimates(iterations);
  return [
    {
      name: 'delivery.estimate_per_second',
      value: r.estimates_per_second,
      unit: 'estimates/s',
      target: '> thousands of requests/s',
      pass: r.estimates_per_second > 10_000,
      note: `${r.per_estimate_us} µs per estimate over ${r.iterations}`,
    },
    { name: 'delivery.cart_10_lines', value: r.per_cart_us, unit: 'µs/cart', note: 'lower is better' },
  ];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 100_000);
  console.log(JSON.stringify(benchmarkDeliveryEstimates(n), null, 2));
}
