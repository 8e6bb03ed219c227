import { Router } from 'express';
import type { ResponseBody } from '../../http/contract';
import { idempotencyKeyOf } from '../../http/idempotency';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { returnInputSchema, returnInspectionSchema } from './returns.schemas';
import type { ReturnsService } from './returns.service';

export function returnsRoutes(returns: ReturnsService): Router {
  const router = Router();
  router.post('/v1/returns', allowRoles('admin', 'storefront'), async (req, res) => {
    const input = parseInput(returnInputSchema, req.body, 'body', 'unprocessable');
    const body: ResponseBody<'createReturn', 201> = await returns.createReturn(principalOf(req), input, {
      requestKey: idempotencyKeyOf(req),
    });
    res.status(201).json(body);
  });
  router.get('/v1/returns/:returnId', allowRoles('admin', 'creator', 'storefront', 'partner'), async (req, res) => {
    const body: ResponseBody<'getReturn', 200> = await returns.getReturn(principalOf(req), pathId(req, 'returnId'));
    res.json(body);
  });
  router.post('/v1/returns/:returnId/inspection', allowRoles('admin', 'partner'), async (req, res) => {
    const { outcome } = parseInput(returnInspectionSchema, req.body);
    const body: ResponseBody<'recordReturnInspection', 200> = await returns.recordInspection(
      principalOf(req),
      pathId(req, 'returnId'),
      outcome,
    );
    res.json(body);
  });
  return router;
}
