/**
 * The economics of the allocation objective, decided in one place.
 *
 * Per SKU, from the catalog:
 *   value of a unit delivered within the promise (c_fast) = price − unit cost  (its margin)
 *   cost of a unit left at a hub after the drop (c_left)   = 20% of unit cost  (return / markdown)
 *   holding cost of a unit placed at a hub                 =  1% of unit cost
 *
 * Each SKU is planned with its own economics (so a $90-margin hoodie wins hub slots over a
 * $2-margin sticker). A margin below zero is kept: the planner places none of that SKU and reports
 * it (`value-below-cost`). The drop's economics, the expected-demand-weighted mean over its SKUs
 * (the plain mean when no SKU has demand, margins clamped at zero), is a summary stored with the
 * plan and the default for a SKU that gives none.
 */
import type { AllocationEconomics } from './core';

export const ECONOMICS_DEFAULTS = {
  /** c_left as a share of unit cost */
  leftoverCostShareOfUnitCost: 0.2,
  /** holding cost as a share of unit cost */
  holdingCostShareOfUnitCost: 0.01,
} as const;

export interface SkuEconomicsInput {
  price: number;
  unitCost: number;
  /** expected demand of the SKU over the drop (the weight) */
  expectedDemand: number;
}

export function skuEconomics(sku: { price: number; unitCost: number }): AllocationEconomics {
  return {
    valuePerFastUnit: sku.price - sku.unitCost,
    leftoverCostPerUnit: ECONOMICS_DEFAULTS.leftoverCostShareOfUnitCost * sku.unitCost,
    holdingCostPerUnit: ECONOMICS_DEFAULTS.holdingCostShareOfUnitCost * sku.unitCost,
  };
}

/** One set of economics for a drop: the demand-weighted mean over its SKUs. */
export function dropEconomics(skus: readonly SkuEconomicsInput[]): AllocationEconomics {
  if (skus.length === 0) return { valuePerFastUnit: 0, leftoverCostPerUnit: 0, holdingCostPerUnit: 0 };
  const totalDemand = skus.reduce((sum, s) => sum + Math.max(0, s.expectedDemand), 0);
  const weight = (s: SkuEconomicsInput) =>
    totalDemand > 0 ? Math.max(0, s.expectedDemand) / totalDemand : 1 / skus.length;
  const out: AllocationEconomics = { valuePerFastUnit: 0, leftoverCostPerUnit: 0, holdingCostPerUnit: 0 };
  for (const sku of skus) {
    const e = skuEconomics(sku);
    const w = weight(sku);
    out.valuePerFastUnit += w * Math.max(0, e.valuePerFastUnit);
    out.leftoverCostPerUnit += w * e.leftoverCostPerUnit;
    out.holdingCostPerUnit += w * e.holdingCostPerUnit;
  }
  return out;
}

/**
 * Economics of a live re-plan: stock already at hubs is paid for (sunk), so a unit delivered
 * within the promise is worth its price; a fallback order pays its unit cost as the premium over
 * that free stock (the re-plan's live stock enters the planner as a zero-cost primary). Leftover
 * as in planning; holding is not charged again for stock that is already placed.
 */
export function liveEconomics(skus: readonly SkuEconomicsInput[]): AllocationEconomics {
  const base = dropEconomics(skus);
  if (skus.length === 0) return base;
  const totalDemand = skus.reduce((sum, s) => sum + Math.max(0, s.expectedDemand), 0);
  const weight = (s: SkuEconomicsInput) =>
    totalDemand > 0 ? Math.max(0, s.expectedDemand) / totalDemand : 1 / skus.length;
  return {
    valuePerFastUnit: skus.reduce((sum, s) => sum + weight(s) * Math.max(0, s.price), 0),
    leftoverCostPerUnit: base.leftoverCostPerUnit,
    holdingCostPerUnit: 0,
  };
}
