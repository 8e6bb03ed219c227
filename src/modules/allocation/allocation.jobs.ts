import { z } from 'zod';
import type { Job } from '../../jobs/queue';
import type { JobsService } from '../jobs';
import { planRequestSchema } from './allocation.schemas';
import type { AllocationService } from './allocation.service';

/** `POST /v1/drops/{dropId}/plans` with `Prefer: respond-async`: a job resource. */
export const PLAN_COMPUTE_JOB_KIND = 'plan.compute';

/** Live re-plan every 15 minutes for drops whose window is open (one worker per tick: the job queue). */
export function allocationJobs(allocation: AllocationService): Job[] {
  return [
    {
      id: 'allocation.live-replan',
      schedule: '*/15 * * * *',
      async run({ logger }) {
        const stored = await allocation.replanLiveDrops();
        if (stored > 0) logger.info({ proposals: stored }, 'live re-plan proposals stored');
      },
    },
  ];
}

const planJobInput = planRequestSchema.extend({ drop_id: z.string().min(1) });

/** A queued plan computation: the same draft plan as the inline answer, its link as the job's result. */
export function registerPlanRunner(jobs: JobsService, allocation: AllocationService): void {
  jobs.register(PLAN_COMPUTE_JOB_KIND, async (principal, stored) => {
    const input = planJobInput.parse(stored);
    // The plan's id is the result: the plan itself is not read back (a 1,000-SKU plan is 50,000 rows).
    const plan = await allocation.storePlan(principal, input.drop_id, { solver: input.solver });
    return {
      result: { plan_id: plan.id, drop_id: input.drop_id, status: plan.status },
      resultUrl: `/v1/plans/${plan.id}`,
      message: 'plan computed',
    };
  });
}
