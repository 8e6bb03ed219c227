/** Webhooks: subscriptions and the signed, retried delivery of events. The public surface. */
export { createWebhooksService, type WebhooksService } from './webhooks.service';
export { webhooksRoutes } from './webhooks.routes';
