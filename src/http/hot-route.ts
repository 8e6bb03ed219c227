import type { RequestHandler } from 'express';

/**
 * A route the app mounts ahead of every router, as one handler: the per-request layers, the key's
 * authentication and (for a POST) the body and idempotency layers run inline, then the route's own
 * handlers. A storefront's hottest requests (an estimate, a hold, a queue join) then skip walking
 * every other router's layers, which cost them more than their own work did.
 */
export interface HotRoute {
  method: 'get' | 'post';
  /** an express path; its parameters are read as usual (req.params) */
  path: string;
  handlers: RequestHandler[];
}
