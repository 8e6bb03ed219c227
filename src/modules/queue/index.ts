/** The fair queue for sold-out stock (issue 16): entries, offers, the expected outcome. The public surface. */
export { createQueueService, type QueueService } from './queue.service';
export { queueJoinRoute, queueRoutes } from './queue.routes';
export type { OutcomeRow as QueueOutcomeRow } from './queue-views.repository';
