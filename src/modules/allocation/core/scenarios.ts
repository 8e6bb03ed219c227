/** Demand scenarios shared by the sample-average LP and the pooled fast allocator (same sampler, same seed). */
import type { AllocationPolicy } from './plan-types';
import type { PreparedInstance } from './plan-instance';
import { toCount, toPmf } from './demand-distribution';
import { mulberry32 } from '../../../shared/random';

export interface Scenarios {
  count: number;
  /** demand[s][i][w]: SKU s, its i-th demand entry, scenario w */
  demand: Float64Array[][];
}

/** Scenario demands per SKU and demand entry. Samples are used as given (joint scenarios). */
export function buildScenarios(prepared: PreparedInstance, policy: AllocationPolicy): Scenarios {
  const entries = prepared.demandBySku.flat();
  const first = entries[0]?.demand;
  const allSamples =
    first?.kind === 'samples' &&
    entries.every(
      (e) =>
        e.demand.kind === 'samples' && e.demand.samples.length === first.samples.length && first.samples.length > 0,
    );
  const count =
    allSamples && first?.kind === 'samples' ? first.samples.length : Math.max(1, policy.lpScenarioCount ?? 200);
  const random = mulberry32(policy.seed ?? 1);
  const demand = prepared.demandBySku.map((list) =>
    list.map((entry) => {
      const out = new Float64Array(count);
      const d = entry.demand;
      if (d.kind === 'samples' && d.samples.length > 0) {
        for (let w = 0; w < count; w += 1)
          out[w] = toCount(d.samples[Math.floor(((w + 0.5) * d.samples.length) / count)]!);
        return out;
      }
      // Latin hypercube: one draw per stratum, strata shuffled, so each region's marginal is
      // matched closely and regions stay independent.
      const pmf = toPmf(d);
      const cdf = new Float64Array(pmf.length);
      let acc = 0;
      for (let k = 0; k < pmf.length; k += 1) cdf[k] = acc += pmf[k]!;
      const strata = Array.from({ length: count }, (_, w) => w);
      for (let i = count - 1; i > 0; i -= 1) {
        const j = Math.floor(random() * (i + 1));
        [strata[i], strata[j]] = [strata[j]!, strata[i]!];
      }
      for (let w = 0; w < count; w += 1) {
        const u = ((strata[w]! + random()) / count) * acc;
        let k = 0;
        while (k < cdf.length - 1 && cdf[k]! < u) k += 1;
        out[w] = k;
      }
      return out;
    }),
  );
  return { count, demand };
}
