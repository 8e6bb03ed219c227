/** The pure allocation core: reference maths and the planner. */
export * from './normal-distribution';
export * from './newsvendor';
export * from './demand-distribution';
export * from './largest-remainder';
export * from './min-cost-flow';
export * from './marginal-allocation';
export * from './transport-allocation';
export * from './plan-types';
export * from './pickup-demand';
export { planAllocation, planAllocationFast, prepareInstance, transitQuantile } from './plan-allocation';
export { solveSampleAverageLp } from './sample-average-lp';
export { solveLpText, highsInstanceStats, RECYCLE_AFTER_SOLVES } from './highs-solver';
export { placeRegionalReserves, reserveFloors, reserveShortfalls, type ReserveShortfall } from './regional-reserves';
