/** Community access (issue 16): tiers with reserved stock, per-account limits. The public surface. */
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
export { signalHashSchema, tierNameSchema } from './access.schemas';
