import { Router } from 'express';
import type { ResponseBody } from '../../http/contract';
import type { HotRoute } from '../../http/hot-route';
import { sendJsonText } from '../../http/send-json';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { queueJoinInputSchema } from './queue.schemas';
import type { QueueService } from './queue.service';

/** Joining a drop's queue, the hot write of an oversubscribed drop: mounted ahead of the routers (src/http/hot-route.ts). */
export function queueJoinRoute(queue: QueueService): HotRoute {
  return {
    method: 'post',
    path: '/v1/drops/:dropId/queue',
    handlers: [
      allowRoles('admin', 'storefront'),
      async (req, res) => {
        const dropId = pathId(req, 'dropId');
        const input = parseInput(queueJoinInputSchema, req.body, 'body', 'unprocessable');
        const body: ResponseBody<'joinDropQueue', 201> = await queue.join(principalOf(req), dropId, input);
        sendJsonText(res.status(201), JSON.stringify(body));
      },
    ],
  };
}

/** The fair queue of a drop: read one's place, leave (storefronts of the drop's creator, admin); joining is queueJoinRoute. */
export function queueRoutes(queue: QueueService): Router {
  const router = Router();
  const buyers = allowRoles('admin', 'storefront');
  router.get('/v1/drops/:dropId/queue/:entryId', buyers, async (req, res) => {
    const body: ResponseBody<'getDropQueueEntry', 200> = await queue.get(
      principalOf(req),
      pathId(req, 'dropId'),
      pathId(req, 'entryId'),
    );
    res.json(body);
  });
  router.delete('/v1/drops/:dropId/queue/:entryId', buyers, async (req, res) => {
    const body: ResponseBody<'leaveDropQueue', 200> = await queue.leave(
      principalOf(req),
      pathId(req, 'dropId'),
      pathId(req, 'entryId'),
    );
    res.json(body);
  });
  return router;
}
