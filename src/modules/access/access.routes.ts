import { Router } from 'express';
import type { ResponseBody } from '../../http/contract';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { dropAccessInputSchema } from './access.schemas';
import type { AccessService } from './access.service';

export function accessRoutes(access: AccessService): Router {
  const router = Router();
  const owners = allowRoles('admin', 'creator');
  router.get('/v1/drops/:dropId/access', owners, async (req, res) => {
    const body: ResponseBody<'getDropAccess', 200> = await access.getAccess(principalOf(req), pathId(req, 'dropId'));
    res.json(body);
  });
  router.put('/v1/drops/:dropId/access', owners, async (req, res) => {
    const dropId = pathId(req, 'dropId');
    const principal = principalOf(req);
    const input = parseInput(dropAccessInputSchema, req.body, 'body', 'unprocessable');
    const body: ResponseBody<'putDropAccess', 200> = await access.putAccess(principal, dropId, input);
    res.json(body);
  });
  router.get('/v1/drops/:dropId/access/flagged', owners, async (req, res) => {
    const body: ResponseBody<'getFlaggedAccounts', 200> = await access.flaggedAccounts(
      principalOf(req),
      pathId(req, 'dropId'),
    );
    res.json(body);
  });
  return router;
}
