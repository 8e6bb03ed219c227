import type { Job } from '../../jobs/queue';
import type { WebhooksService } from './webhooks.service';

/** Drains the webhook outbox every 5 seconds (one replica per tick; retries are due by their backoff). */
export function webhookJobs(webhooks: WebhooksService): Job[] {
  return [
    {
      id: 'webhooks.drain-outbox',
      schedule: '*/5 * * * * *',
      async run({ logger }) {
        const result = await webhooks.drainOutbox();
        if (result.attempted > 0) logger.info(result, 'webhook outbox drained');
      },
    },
  ];
}
