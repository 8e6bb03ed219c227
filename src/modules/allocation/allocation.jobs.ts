import type { Job } from '../../jobs/queue';
import type { AllocationService } from './allocation.service';

/** Live re-plan every 15 minutes for drops whose window is open (one replica per tick: the scheduler's advisory lock). */
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
