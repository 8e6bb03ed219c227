import { Router } from 'express';
import type { ResponseBody } from '../../http/contract';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import type { ReportsService } from './reports.service';

export function reportsRoutes(reports: ReportsService): Router {
  const router = Router();
  router.get('/v1/drops/:dropId/report', allowRoles('admin', 'creator'), async (req, res) => {
    const body: ResponseBody<'getPostDropReport', 200> = await reports.getReport(principalOf(req), pathId(req, 'dropId'));
    res.json(body);
  });
  return router;
}
