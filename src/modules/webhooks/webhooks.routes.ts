import { Router } from 'express';
import type { ResponseBody } from '../../http/contract';
import { allowRoles, pathId } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import { pageRequest } from '../../http/pagination';
import {
  eventListQuerySchema,
  subscriptionListQuerySchema,
  webhookSubscriptionInputSchema,
  webhookSubscriptionUpdateSchema,
} from './webhooks.schemas';
import type { WebhooksService } from './webhooks.service';

/** Webhook subscriptions, their delivery log and manual redelivery: admin only. */
export function webhooksRoutes(webhooks: WebhooksService): Router {
  const router = Router();
  const admin = allowRoles('admin');

  router.get('/v1/webhook-subscriptions', admin, async (req, res) => {
    const { partner_id, ...page } = parseInput(subscriptionListQuerySchema, req.query, 'query');
    const body: ResponseBody<'listWebhookSubscriptions', 200> = await webhooks.listSubscriptions(
      partner_id,
      pageRequest(page),
    );
    res.json(body);
  });
  router.post('/v1/webhook-subscriptions', admin, async (req, res) => {
    const body: ResponseBody<'createWebhookSubscription', 201> = await webhooks.createSubscription(
      parseInput(webhookSubscriptionInputSchema, req.body),
    );
    res.status(201).json(body);
  });
  router.get('/v1/webhook-subscriptions/:subscriptionId', admin, async (req, res) => {
    const body: ResponseBody<'getWebhookSubscription', 200> = await webhooks.getSubscription(
      pathId(req, 'subscriptionId'),
    );
    res.json(body);
  });
  router.patch('/v1/webhook-subscriptions/:subscriptionId', admin, async (req, res) => {
    const id = pathId(req, 'subscriptionId');
    const body: ResponseBody<'updateWebhookSubscription', 200> = await webhooks.updateSubscription(
      id,
      parseInput(webhookSubscriptionUpdateSchema, req.body),
    );
    res.json(body);
  });
  router.delete('/v1/webhook-subscriptions/:subscriptionId', admin, async (req, res) => {
    await webhooks.deleteSubscription(pathId(req, 'subscriptionId'));
    res.status(204).end();
  });
  router.get('/v1/webhook-subscriptions/:subscriptionId/deliveries', admin, async (req, res) => {
    const { status, ...page } = parseInput(eventListQuerySchema, req.query, 'query');
    const body: ResponseBody<'listWebhookDeliveries', 200> = await webhooks.listEvents(
      pathId(req, 'subscriptionId'),
      status,
      pageRequest(page),
    );
    res.json(body);
  });
  router.post('/v1/webhook-events/:eventId/redeliver', admin, async (req, res) => {
    const body: ResponseBody<'redeliverWebhookEvent', 200> = await webhooks.redeliver(pathId(req, 'eventId'));
    res.json(body);
  });
  return router;
}
