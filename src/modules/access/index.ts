/** Community access (issue 16): tiers with reserved stock, per-account limits. The public surface. */
// Schemas and readers first: modules this one's service imports (delivery) import the schemas back,
// and the planner imports the readers, so they must be initialised before the service is loaded.
export { signalHashSchema, tierNameSchema } from './access.schemas';
export { accessReaders, type RegionalReserveShare } from './access.readers';
export {
  createAccessService,
  FLAGGED_RANK,
  SIGNAL_RETENTION_DAYS,
  type AccessHoldRow,
  type AccessService,
  type PlacedWithAccess,
  type PreparedAccess,
} from './access.service';
export { accessRoutes } from './access.routes';
