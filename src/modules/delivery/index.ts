/** Delivery: estimates, holds and the live stock ledger. The public surface. */
export { createDeliveryService, type DeliveryService } from './delivery.service';
export { deliveryRoutes, estimateRoute, estimateRateLimit, holdRoute } from './delivery.routes';
export { resolveRegion, type DeliverySnapshotCache } from './delivery-snapshot';
export { deliveryReaders, type DeliveryReaders, type HoldLookup } from './delivery.readers';
