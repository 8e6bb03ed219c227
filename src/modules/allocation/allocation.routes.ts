import { Router, type Request, type Response } from 'express';
import { AppError } from '../../http/app-error';
import { sendTagged, sendTaggedJson } from '../../http/etag';
import type { ResponseBody, Schemas } from '../../http/contract';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { sendJsonBytes, sendJsonInSlices } from '../../http/send-json';
import { pageRequest } from '../../http/pagination';
import { prefersRespondAsync, sendAccepted } from '../../http/prefer';
import { parseInput } from '../../http/validate';
import type { JobsService } from '../jobs';
import {
  planListQuerySchema,
  compareQuerySchema,
  hubPlanQuerySchema,
  partnerAllocationsQuerySchema,
  planRequestSchema,
  publishRequestSchema,
  whatIfCostRules,
  whatIfRequestSchema,
} from './allocation.schemas';
import { PLAN_COMPUTE_JOB_KIND } from './allocation.jobs';
import { planCsv, type AllocationService } from './allocation.service';

/** JSON unless the client asks for CSV (`format=csv`, or an Accept header preferring text/csv). */
function sendPartnerPlan(
  req: Request,
  res: Response,
  plan: Schemas['PartnerPlan'],
  format: 'json' | 'csv' | undefined,
) {
  const wantsCsv =
    format === 'csv' || (format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');
  // The CSV and the JSON of one plan are different bytes, so they carry different tags; Vary says so.
  res.vary('Accept');
  if (wantsCsv) {
    res.setHeader('Content-Disposition', `attachment; filename="plan-${plan.drop_id}-v${plan.version}.csv"`);
    sendTagged(req, res, planCsv(plan), 'text/csv');
    return;
  }
  const body: ResponseBody<'getPartnerAllocations', 200> = plan;
  sendTaggedJson(req, res, body);
}

export function allocationRoutes(allocation: AllocationService, jobs: JobsService): Router {
  const router = Router();
  const planners = allowRoles('admin', 'creator');
  const hubReaders = allowRoles('admin', 'creator', 'partner');

  router.get('/v1/drops/:dropId/plans', planners, async (req, res) => {
    const { status, ...page } = parseInput(planListQuerySchema, req.query, 'query');
    const body: ResponseBody<'listPlans', 200> = await allocation.listPlans(
      principalOf(req),
      pathId(req, 'dropId'),
      status,
      pageRequest(page),
    );
    res.json(body);
  });
  router.post('/v1/drops/:dropId/plans', planners, async (req, res) => {
    const input = parseInput(planRequestSchema, req.body ?? {});
    if (prefersRespondAsync(req)) {
      await allocation.checkDrop(principalOf(req), pathId(req, 'dropId'));
      const job: ResponseBody<'computePlan', 202> = await jobs.submit(principalOf(req), PLAN_COMPUTE_JOB_KIND, {
        drop_id: pathId(req, 'dropId'),
        ...input,
      });
      return sendAccepted(res, job);
    }
    const answer = await allocation.computePlanAnswer(principalOf(req), pathId(req, 'dropId'), {
      solver: input.solver,
    });
    if ('json' in answer) return sendJsonBytes(res, 201, answer.json);
    const body: ResponseBody<'computePlan', 201> = answer.plan;
    await sendJsonInSlices(res, 201, body);
  });
  router.post('/v1/drops/:dropId/plans/what-if', planners, async (req, res) => {
    const input = parseInput(whatIfRequestSchema, req.body);
    // a well-formed cost shift that is impossible (negative, ends before it starts) → 422
    parseInput(whatIfCostRules, input, 'body', 'unprocessable');
    const answer = await allocation.computePlanAnswer(principalOf(req), pathId(req, 'dropId'), {
      solver: input.solver,
      overrides: input.overrides,
      whatIf: true,
    });
    if ('json' in answer) return sendJsonBytes(res, 201, answer.json);
    const body: ResponseBody<'computeWhatIfPlan', 201> = answer.plan;
    await sendJsonInSlices(res, 201, body);
  });
  router.get('/v1/drops/:dropId/plans/published/hubs/:hubId', hubReaders, async (req, res) => {
    const query = parseInput(hubPlanQuerySchema, req.query, 'query');
    const plan = await allocation.readPublishedForHubs(principalOf(req), pathId(req, 'dropId'), {
      hubId: pathId(req, 'hubId'),
    });
    sendPartnerPlan(req, res, plan, query.format);
  });
  router.get('/v1/partner/allocations', allowRoles('admin', 'partner'), async (req, res) => {
    const query = parseInput(partnerAllocationsQuerySchema, req.query, 'query');
    const principal = principalOf(req);
    if (query.partner_id && principal.role !== 'admin') {
      throw new AppError('validation_failed', 'partner_id is for admin keys only', {
        errors: [{ path: 'partner_id', message: 'not allowed for a partner key' }],
      });
    }
    const plan = await allocation.readPublishedForHubs(principal, query.drop_id, { partnerId: query.partner_id });
    sendPartnerPlan(req, res, plan, query.format);
  });
  router.get('/v1/plans/compare', planners, async (req, res) => {
    const query = parseInput(compareQuerySchema, req.query, 'query');
    const body: ResponseBody<'comparePlans', 200> = await allocation.comparePlans(principalOf(req), query.a, query.b);
    res.json(body);
  });
  router.get('/v1/plans/:planId', planners, async (req, res) => {
    const body: ResponseBody<'getPlan', 200> = await allocation.getPlan(principalOf(req), pathId(req, 'planId'));
    sendTaggedJson(req, res, body);
  });
  router.post('/v1/plans/:planId/publish', planners, async (req, res) => {
    const input = parseInput(publishRequestSchema, req.body ?? {});
    const body: ResponseBody<'publishPlan', 200> = await allocation.publishPlan(
      principalOf(req),
      pathId(req, 'planId'),
      { replanConflicting: input.replan_conflicting },
    );
    res.json(body);
  });
  router.post('/v1/plans/:planId/save-as-draft', planners, async (req, res) => {
    const saved = await allocation.saveWhatIfAsDraft(principalOf(req), pathId(req, 'planId'));
    const body: ResponseBody<'saveWhatIfAsDraft', 201> = saved.plan;
    res.status(saved.created ? 201 : 200).json(body);
  });
  router.get('/v1/drops/:dropId/replan-proposals', planners, async (req, res) => {
    const body: ResponseBody<'getReplanProposal', 200> = await allocation.proposeReplan(
      principalOf(req),
      pathId(req, 'dropId'),
    );
    res.json(body);
  });
  return router;
}
