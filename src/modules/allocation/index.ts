/** Allocation: plans that place stock in hubs, and their suppliers' orders. The public surface. */
export { createAllocationService, type AllocationService } from './allocation.service';
export { allocationRoutes } from './allocation.routes';
export type { PlanReader } from './plan-reader';
