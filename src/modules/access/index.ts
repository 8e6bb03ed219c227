/** Community access (issue 16): tiers with reserved stock, per-account limits. The public surface. */
export { createAccessService, type AccessService, type PreparedAccess } from './access.service';
export { accessRoutes } from './access.routes';
export { tierNameSchema } from './access.schemas';
