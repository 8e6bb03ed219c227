/** API keys: issued, hashed at rest, revoked; the principal behind a presented key. The public surface. */
export { createKeysService, type KeysService } from './keys.service';
export { keysRoutes } from './keys.routes';
