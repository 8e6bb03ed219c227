import { Router } from 'express';
import type { ResponseBody } from '../../http/contract';
import { pathId, principalOf } from '../../http/request-context';
import type { JobsService } from './jobs.service';

/** GET /v1/jobs/{jobId}: any key; a job of another tenant (or none) is 404. */
export function jobsRoutes(jobs: JobsService): Router {
  const router = Router();
  router.get('/v1/jobs/:jobId', async (req, res) => {
    const body: ResponseBody<'getJob', 200> = await jobs.get(principalOf(req), pathId(req, 'jobId'));
    res.json(body);
  });
  return router;
}
