import { Router } from 'express';
import type { ResponseBody } from '../../http/contract';
import { allowRoles, pathId } from '../../http/request-context';
import { pageRequest } from '../../http/pagination';
import { parseInput } from '../../http/validate';
import { pageQuerySchema } from '../../http/pagination';
import { apiKeyInputSchema } from './keys.schemas';
import type { KeysService } from './keys.service';

export function keysRoutes(keys: KeysService): Router {
  const router = Router();
  router.use('/v1/keys', allowRoles('admin'));

  router.get('/v1/keys', async (req, res) => {
    const page = pageRequest(parseInput(pageQuerySchema, req.query, 'query'));
    const body: ResponseBody<'listApiKeys', 200> = await keys.listApiKeys(page);
    res.json(body);
  });

  router.post('/v1/keys', async (req, res) => {
    const body: ResponseBody<'createApiKey', 201> = await keys.createApiKey(parseInput(apiKeyInputSchema, req.body));
    res.status(201).json(body);
  });

  router.delete('/v1/keys/:keyId', async (req, res) => {
    const body: ResponseBody<'revokeApiKey', 200> = await keys.revokeApiKey(pathId(req, 'keyId'));
    res.json(body);
  });

  return router;
}
