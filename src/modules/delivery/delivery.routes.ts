import { Router, type RequestHandler } from 'express';
import type { ResponseBody } from '../../http/contract';
import type { HotRoute } from '../../http/hot-route';
import { sendTaggedJson, sendTaggedLiveJson } from '../../http/etag';
import { sendJsonText } from '../../http/send-json';
import { idempotencyKeyOf } from '../../http/idempotency';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { pageRequest } from '../../http/pagination';
import { limitPerKey } from '../../http/rate-limit';
import { memoizedQueryParser, parseInput } from '../../http/validate';
import { cartInputSchema, estimateQuerySchema, holdInputSchema, holdListQuerySchema } from './delivery.schemas';
import type { DeliveryService } from './delivery.service';

const estimators = allowRoles('admin', 'creator', 'storefront');

/**
 * GET /v1/estimates, the hottest route: the app mounts it ahead of everything but the request id
 * and metrics (with authentication inline), so a storefront's question walks as few layers as it can.
 */
export function estimateRoute(delivery: DeliveryService, limit: RequestHandler): HotRoute {
  const parseEstimateQuery = memoizedQueryParser(estimateQuerySchema, 'unprocessable');
  return {
    method: 'get',
    path: '/v1/estimates',
    handlers: [
      estimators,
      limit,
      (req, res) => {
        const query = parseEstimateQuery(req);
        // The JSON of a contract-typed body, serialised once per (snapshot, question, minute).
        const answer: { body: ResponseBody<'estimateDelivery', 200>; json: string } = delivery.estimateWithJson(
          principalOf(req),
          query,
        );
        sendJsonText(res, answer.json);
      },
    ],
  };
}

/** POST /v1/holds, a storefront's hot write at a drop's opening: mounted ahead of the routers, as the estimate is. */
export function holdRoute(delivery: DeliveryService): HotRoute {
  return {
    method: 'post',
    path: '/v1/holds',
    handlers: [
      allowRoles('admin', 'storefront'),
      async (req, res) => {
        const input = parseInput(holdInputSchema, req.body, 'body', 'unprocessable');
        const body: ResponseBody<'createHold', 201> = await delivery.createHold(principalOf(req), input, {
          requestKey: idempotencyKeyOf(req),
        });
        sendJsonText(res.status(201), JSON.stringify(body));
      },
    ],
  };
}

/** Per-key limit on the public estimate endpoints: 429 problem+json with Retry-After. */
export function estimateRateLimit(estimatesPerMinute: number): RequestHandler {
  return limitPerKey({ limit: estimatesPerMinute, windowMs: 60_000, keyOf: (req) => principalOf(req).keyId });
}

export function deliveryRoutes(delivery: DeliveryService, limit: RequestHandler): Router {
  const router = Router();
  const holders = allowRoles('admin', 'storefront');

  router.post('/v1/estimates/cart', estimators, limit, (req, res) => {
    const input = parseInput(cartInputSchema, req.body, 'body', 'unprocessable');
    const body: ResponseBody<'estimateCart', 200> = delivery.estimateCart(principalOf(req), input);
    res.json(body);
  });

  router.get('/v1/holds', holders, async (req, res) => {
    const { limit, cursor, ...filter } = parseInput(holdListQuerySchema, req.query, 'query');
    const body: ResponseBody<'listHolds', 200> = await delivery.listHolds(
      principalOf(req),
      filter,
      pageRequest({ limit, cursor }),
    );
    res.json(body);
  });
  router.get('/v1/holds/:holdId', holders, async (req, res) => {
    const body: ResponseBody<'getHold', 200> = await delivery.getHold(principalOf(req), pathId(req, 'holdId'));
    res.json(body);
  });
  router.post('/v1/holds/:holdId/confirm', holders, async (req, res) => {
    const body: ResponseBody<'confirmHold', 200> = await delivery.endHold(
      principalOf(req),
      pathId(req, 'holdId'),
      'confirmed',
    );
    res.json(body);
  });
  router.post('/v1/holds/:holdId/release', holders, async (req, res) => {
    const body: ResponseBody<'releaseHold', 200> = await delivery.endHold(
      principalOf(req),
      pathId(req, 'holdId'),
      'released',
    );
    res.json(body);
  });

  router.get('/v1/drops/:dropId/stock', allowRoles('admin', 'creator'), async (req, res) => {
    const body: ResponseBody<'getLiveStock', 200> = await delivery.liveStock(principalOf(req), pathId(req, 'dropId'));
    sendTaggedLiveJson(req, res, body);
  });
  router.get('/v1/drops/:dropId/preview', estimators, async (req, res) => {
    const body: ResponseBody<'getDropPreview', 200> = await delivery.preview(principalOf(req), pathId(req, 'dropId'));
    sendTaggedJson(req, res, body);
  });
  return router;
}
