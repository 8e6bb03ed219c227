import { Router } from 'express';
import type { ResponseBody } from '../../http/contract';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { pageRequest } from '../../http/pagination';
import { parseInput } from '../../http/validate';
import { pageQuerySchema } from '../../http/pagination';
import { promoteModelSchema, trainModelSchema } from './forecast.schemas';
import type { ModelRegistryService } from './model-registry.service';

/** The model registry (admin only; every other key gets 404). */
export function modelsRoutes(registry: ModelRegistryService): Router {
  const router = Router();
  router.use('/v1/models', allowRoles('admin'));

  router.get('/v1/models', async (req, res) => {
    const page = pageRequest(parseInput(pageQuerySchema, req.query, 'query'));
    const body: ResponseBody<'listModels', 200> = await registry.listModels(page);
    res.json(body);
  });
  router.post('/v1/models/train', async (req, res) => {
    const input = parseInput(trainModelSchema, req.body ?? {});
    const body: ResponseBody<'trainModel', 202> = await registry.startTraining(principalOf(req), input);
    res.status(202).location(`/v1/jobs/${body.id}`).json(body);
  });
  router.get('/v1/models/default', async (_req, res) => {
    const body: ResponseBody<'getDefaultModel', 200> = await registry.getDefault();
    res.json(body);
  });
  router.post('/v1/models/default/rollback', async (req, res) => {
    const body: ResponseBody<'rollBackDefaultModel', 200> = await registry.rollback(principalOf(req));
    res.json(body);
  });
  router.post('/v1/models/default/unpin', async (req, res) => {
    const body: ResponseBody<'unpinDefaultModel', 200> = await registry.unpin(principalOf(req));
    res.json(body);
  });
  router.get('/v1/models/:modelId', async (req, res) => {
    const body: ResponseBody<'getModel', 200> = await registry.getModel(pathId(req, 'modelId'));
    res.json(body);
  });
  router.post('/v1/models/:modelId/promote', async (req, res) => {
    const input = parseInput(promoteModelSchema, req.body ?? {});
    const body: ResponseBody<'promoteModel', 200> = await registry.promote(
      principalOf(req),
      pathId(req, 'modelId'),
      input,
    );
    res.json(body);
  });
  return router;
}
