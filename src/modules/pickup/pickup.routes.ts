import { Router } from 'express';
import type { ResponseBody } from '../../http/contract';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { hubPickupInputSchema, pickupSharesInputSchema } from './pickup.schemas';
import type { PickupService } from './pickup.service';

export function pickupRoutes(pickup: PickupService): Router {
  const router = Router();
  const admin = allowRoles('admin');
  router.get('/v1/hubs/:hubId/pickup', allowRoles('admin', 'creator', 'partner'), async (req, res) => {
    const body: ResponseBody<'getHubPickup', 200> = await pickup.getHubPickup(principalOf(req), pathId(req, 'hubId'));
    res.json(body);
  });
  router.put('/v1/hubs/:hubId/pickup', admin, async (req, res) => {
    // Every rule (overlapping hours, hours outside 0–24, units per slot ≤ 0) → 422 naming the field.
    const input = parseInput(hubPickupInputSchema, req.body, 'body', 'unprocessable');
    const body: ResponseBody<'putHubPickup', 200> = await pickup.putHubPickup(
      principalOf(req),
      pathId(req, 'hubId'),
      input,
    );
    res.json(body);
  });
  router.delete('/v1/hubs/:hubId/pickup', admin, async (req, res) => {
    await pickup.deleteHubPickup(principalOf(req), pathId(req, 'hubId'));
    res.status(204).end();
  });

  const planners = allowRoles('admin', 'creator');
  router.get('/v1/drops/:dropId/pickup-shares', planners, async (req, res) => {
    const body: ResponseBody<'getPickupShares', 200> = await pickup.getShares(principalOf(req), pathId(req, 'dropId'));
    res.json(body);
  });
  router.put('/v1/drops/:dropId/pickup-shares', planners, async (req, res) => {
    const input = parseInput(pickupSharesInputSchema, req.body, 'body', 'unprocessable');
    const body: ResponseBody<'putPickupShares', 200> = await pickup.putShares(
      principalOf(req),
      pathId(req, 'dropId'),
      input,
    );
    res.json(body);
  });
  return router;
}
