/** Input and output of `planAllocation`. Dates are ISO 8601 strings or epoch milliseconds. */
import type { DemandDistribution } from './demand-distribution';

export type SupplierKind = 'microfactory' | 'offshore' | 'warehouse';

export interface SupplierOption {
  supplierId: string;
  kind: SupplierKind;
  /** units the supplier can provide for this SKU */
  unitsAvailable: number;
  /** when those units can first ship */
  availableDate: string | number;
  /** calendar days from shipping to arrival at a hub */
  leadTimeDaysMin: number;
  leadTimeDaysMax: number;
  /** most units the supplier can make/ship, over ALL the SKUs it supplies (one shared capacity) */
  capacityUnits: number;
  unitCost: number;
  minOrderQuantity: number;
  orderMultiple: number;
  /** extra cost per unit when this supplier is used as a fallback (expediting, spot price); default 0 */
  fallbackPremiumPerUnit?: number;
  /** inbound freight per unit from this supplier to a hub, by hub id; a hub not listed: 0 */
  inboundFreightPerUnitByHub?: Record<string, number>;
  /**
   * The supplier's capacity spread over days (over all its SKUs): units ready to ship from each
   * date. Only the dates whose units still arrive before opening at the worst-case lead time count,
   * and an order is delivered in parts, one per date. Absent: all of `capacityUnits` ships at once.
   */
  capacityByDate?: readonly SupplierBatch[];
}

export interface SupplierBatch {
  /** when these units are ready to ship */
  date: string | number;
  units: number;
}

export interface SkuSupply {
  skuId: string;
  /** primary first, then fallbacks, in priority order */
  sourcing: SupplierOption[];
  /** this SKU's own value and costs; absent: the instance's (the drop's) economics */
  economics?: AllocationEconomics;
}

export interface HubLane {
  regionId: string;
  /** business days */
  transitDaysMin: number;
  transitDaysMax: number;
  /** shipping cost of one unit on this lane (default 0) */
  shippingCostPerUnit?: number;
  /** shipping cost of one shipment on this lane (default 0); a drop's order ships as one unit, so it adds per unit */
  shippingCostPerShipment?: number;
}

/**
 * A dated change to the shipping cost of a region's lanes (every hub's, or one hub's when `hubId`
 * is given): cost × multiplier + surcharge, applied when [from, to] overlaps the drop's window.
 * Several shifts that apply: multipliers multiply, surcharges add (multipliers first).
 */
export interface CostShift {
  regionId: string;
  hubId?: string;
  from: string | number;
  to: string | number;
  /** added per unit (default 0) */
  surcharge?: number;
  /** multiplies the cost per unit (default 1) */
  multiplier?: number;
}

export interface HubInput {
  hubId: string;
  capacityUnits: number;
  handlingDays: number;
  /** in lane order */
  lanes: HubLane[];
}

export interface RegionDemand {
  skuId: string;
  regionId: string;
  demand: DemandDistribution;
}

export interface AllocationEconomics {
  /** c_fast: value of a unit delivered within the promise (below 0: the SKU is worth less than it costs) */
  valuePerFastUnit: number;
  /** c_left: cost of a unit left at a hub after the drop */
  leftoverCostPerUnit: number;
  /** holding cost per unit placed */
  holdingCostPerUnit: number;
}

export interface AllocationInput {
  skus: SkuSupply[];
  hubs: HubInput[];
  demand: RegionDemand[];
  promiseBusinessDays: number;
  /** delivery days without micro-hubs, per region */
  baselineDaysByRegion: Record<string, number>;
  now: string | number;
  opensAt: string | number;
  /**
   * units each supplier can still provide to this plan, over all its SKUs (e.g. its capacity less
   * what other plans ordered); absent: its `capacityUnits`
   */
  supplierCapacityUnits?: Record<string, number>;
  /** the default economics of a SKU that does not give its own */
  economics: AllocationEconomics;
  /** dated shipping-cost shifts (peak surcharges, seasonal multipliers); default none */
  costShifts?: CostShift[];
  /** the drop's close: a cost shift applies when it overlaps [opensAt, closesAt]; absent: the opening day only */
  closesAt?: string | number;
  /**
   * inbound freight per unit a placed unit of a SKU is priced at in the solvers, by SKU id then hub
   * id (absent: the freight of the SKU's first supplier that arrives in time). The planner sets it
   * itself when a SKU's suppliers charge different freight: the freight of the supplier that serves
   * the hub (see `planAllocation`).
   */
  inboundFreightBySkuHub?: Record<string, Record<string, number>>;
  /**
   * Tier reserves set aside for one region's buyers (a drop's access tiers): the plan places at
   * least each reserve's units, floor(share × the plan's units of the SKU), at the hub serving the
   * region, when stock and hub room allow (see `placeRegionalReserves`).
   */
  regionalReserves?: RegionalReserve[];
  /**
   * Units a solver places at the hub serving a region before anything else is worth placing, when
   * stock and hub room allow. `placeRegionalReserves` sets them from `regionalReserves`.
   */
  servingHubFloors?: ServingHubFloor[];
}

/** A tier's reserve of a SKU for one region's buyers, as a share of the SKU's units in the plan. */
export interface RegionalReserve {
  tier: string;
  skuId: string;
  regionId: string;
  share: number;
}

/** Units of a SKU to place at the hub serving a region. */
export interface ServingHubFloor {
  skuId: string;
  regionId: string;
  units: number;
}

export interface AllocationPolicy {
  /**
   * 'auto' (default): the LP when some region with demand has several hubs within the promise
   * and the LP is small enough (`lpMaxScenarioCells`), else the fast allocator.
   */
  solver?: 'auto' | 'fast' | 'lp';
  /** scenarios for the LP when demand is not given as samples (default 200) */
  lpScenarioCount?: number;
  /** auto picks the LP only if scenarios × (region, SKU, hub) triples ≤ this (default 200,000) */
  lpMaxScenarioCells?: number;
  /** seed for the LP's scenario sampler (default 1) */
  seed?: number;
  /** the fast allocator pools regions with several hubs within the promise (default true) */
  pooling?: boolean;
  /** the pooled fast allocator is used only if demand entries × scenarios ≤ this (default 400,000: its time grows with units × scenarios) */
  pooledMaxScenarioCells?: number;
  /** cap on negative-cycle cancellations in the fast allocator (default 20,000) */
  maxRepairIterations?: number;
  /** cap on arc relaxations spent cancelling cycles (default 5,000,000, ~0.1–0.3 s); past it the gap is bounded, not zero */
  maxRepairWork?: number;
}

export interface HubAllocation {
  skuId: string;
  hubId: string;
  units: number;
}

export interface SupplierOrderLine {
  supplierId: string;
  supplierKind: SupplierKind;
  skuId: string;
  /** units shipped to this hub; the purchase order is the sum over the SKU's lines */
  quantity: number;
  destinationHubId: string;
  /**
   * latest ship date that still arrives before opening at the worst-case lead time; for a supplier
   * with capacity by date, the date its part is ready (a partial delivery)
   */
  shipBy: string;
  /** worst-case arrival when shipped on the ship-by date (never before it; at the latest the opening) */
  arriveBy: string;
  isFallback: boolean;
  /** (unit cost − primary's unit cost) × quantity */
  premium: number;
}

export interface SupplierOrder {
  supplierId: string;
  skuId: string;
  /** respects min order size, order multiple and capacity */
  quantity: number;
  isFallback: boolean;
  reason: 'primary' | 'primary-late' | 'primary-short';
  lines: SupplierOrderLine[];
}

export interface RegionService {
  regionId: string;
  skuId: string;
  servingHubId: string | null;
  /** hubs within the promise, fastest first (the order a stock-out falls through) */
  candidateHubIds: string[];
  /**
   * ≈ share of this region's expected demand that finds stock at a hub within the promise:
   * E[units sold] / E[demand] at the serving hub (fast allocator, all of a hub's regions alike),
   * or the scenario average of the LP's sales to this region (LP).
   */
  inStockProbability: number;
  deliveryDaysP50: number | null;
  deliveryDaysP90: number | null;
  baselineDays: number | null;
  /** baseline − planned p50 (positive = faster than baseline) */
  leadTimeDeltaDays: number | null;
  leadTimeDeltaDaysP90: number | null;
}

export interface RegionCost {
  regionId: string;
  expectedUnits: number;
  shipping: number;
  /** shipping + the region's share of inbound, premium, holding and leftover costs */
  total: number;
  costPerUnit: number;
}

export type UnservedReason = 'no-hub-within-promise' | 'no-stock';

export interface UnservedRegion {
  regionId: string;
  reason: UnservedReason;
  skuIds: string[];
  expectedDemandUnits: number;
  detail: string;
}

export interface SkuIssue {
  skuId: string;
  reason: 'no-supplier-before-opening' | 'no-supplier' | 'no-demand-within-promise' | 'value-below-cost';
  detail: string;
}

export interface SolverReport {
  name: 'fast-greedy' | 'fast-greedy+cycle-canceling' | 'fast-pooled' | 'highs-sample-average-lp';
  /** true when the solver proved optimality for its model */
  optimal: boolean | null;
  /** relative gap to the best bound, when known */
  optimalityGap: number | null;
  /** true when `gapBound` is proven for this plan's model (optimality proof, Lagrangian bound or LP relaxation) */
  certified: boolean;
  /** proven relative gap to the optimum of the plan's model; null when no bound is known */
  gapBound: number | null;
  /** why this solver ran: the request, and for 'auto' the rule that picked it */
  choiceReason: string;
  /** regions with demand that have several hubs within the promise */
  pooledRegions: number;
  notes: string[];
}

export interface AllocationPlan {
  allocations: HubAllocation[];
  supplierOrders: SupplierOrder[];
  regions: RegionService[];
  unservedRegions: UnservedRegion[];
  skuIssues: SkuIssue[];
  totals: {
    expectedDemandUnits: number;
    expectedUnitsWithinPromise: number;
    fillRateWithinPromise: number;
    expectedLeftoverByHub: Record<string, number>;
    unitsPlaced: number;
    cost: {
      fallbackPremium: number;
      leftover: number;
      holding: number;
      /** lane shipping of the units expected to sell within the promise */
      shipping: number;
      /** inbound freight of the units placed, supplier to hub */
      inbound: number;
      total: number;
    };
    /** expected value of the units delivered within the promise (c_fast × units) */
    expectedValue: number;
    /** cost.total / expected units delivered within the promise (null when none is expected) */
    expectedCostPerUnit: number | null;
    /** per region with expected sales: its shipping plus its share (by units) of the other costs */
    costByRegion: RegionCost[];
    /** expected margin: expectedValue − cost.total */
    objectiveValue: number;
  };
  solver: SolverReport;
}
