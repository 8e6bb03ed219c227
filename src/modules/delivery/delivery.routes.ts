import { Router } from 'express';
import type { ResponseBody } from '../../http/contract';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { limitPerKey } from '../../http/rate-limit';
import { parseInput } from '../../http/validate';
import { cartInputSchema, estimateQuerySchema, holdInputSchema } from './delivery.schemas';
import type { DeliveryService } from './delivery.service';

export function deliveryRoutes(delivery: DeliveryService, options: { estimatesPerMinute: number }): Router {
  const router = Router();
  const estimators = allowRoles('admin', 'creator', 'storefront');
  const holders = allowRoles('admin', 'storefront');
  // Per-key limit on the public estimate endpoints: 429 problem+json with Retry-After.
  const limit = limitPerKey({ limit: options.estimatesPerMinute, windowMs: 60_000, keyOf: (req) => principalOf(req).keyId });

  router.get('/v1/estimates', estimators, limit, (req, res) => {
    const query = parseInput(estimateQuerySchema, req.query, 'query', 'unprocessable');
    const body: ResponseBody<'estimateDelivery', 200> = delivery.estimate(principalOf(req), query);
    res.json(body);
  });
  router.post('/v1/estimates/cart', estimators, limit, (req, res) => {
    const input = parseInput(cartInputSchema, req.body, 'body', 'unprocessable');
    const body: ResponseBody<'estimateCart', 200> = delivery.estimateCart(principalOf(req), input);
    res.json(body);
  });

  router.post('/v1/holds', holders, async (req, res) => {
    const input = parseInput(holdInputSchema, req.body, 'body', 'unprocessable');
    const body: ResponseBody<'createHold', 201> = await delivery.createHold(principalOf(req), input);
    res.status(201).json(body);
  });
  router.post('/v1/holds/:holdId/confirm', holders, async (req, res) => {
    const body: ResponseBody<'confirmHold', 200> = await delivery.endHold(principalOf(req), pathId(req, 'holdId'), 'confirmed');
    res.json(body);
  });
  router.post('/v1/holds/:holdId/release', holders, async (req, res) => {
    const body: ResponseBody<'releaseHold', 200> = await delivery.endHold(principalOf(req), pathId(req, 'holdId'), 'released');
    res.json(body);
  });

  router.get('/v1/drops/:dropId/stock', allowRoles('admin', 'creator'), async (req, res) => {
    const body: ResponseBody<'getLiveStock', 200> = await delivery.liveStock(principalOf(req), pathId(req, 'dropId'));
    res.json(body);
  });
  router.get('/v1/drops/:dropId/preview', estimators, async (req, res) => {
    const body: ResponseBody<'getDropPreview', 200> = await delivery.preview(principalOf(req), pathId(req, 'dropId'));
    res.json(body);
  });
  return router;
}
