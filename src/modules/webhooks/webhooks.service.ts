import { randomBytes, randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import { pageOf, type Page, type PageRequest } from '../../http/pagination';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { CatalogService } from '../catalog';
import { isDelivered, type WebhookSender } from './webhook-sender';
import { generateWebhookSecret, WEBHOOK_SIGNATURE_HEADER, webhookSignature } from './webhook-signing';
import {
  webhooksRepository as repo,
  type DeliveryRow,
  type OutboxRow,
  type SubscriptionRow,
} from './webhooks.repository';

/** Retry policy, stated once: 2 s × 2^(attempt − 1), capped at 1 h; after 8 attempts the event is `failed`. */
export interface WebhookPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  /** how long one attempt waits for a receiver's answer (WEBHOOK_TIMEOUT_MS) */
  timeoutMs: number;
  /**
   * How long a claim on an event holds without renewal. The drainer renews it every third of this
   * while the attempt is in flight, so it only runs out when the drainer died or stalled.
   */
  leaseMs: number;
  batchSize: number;
  /** attempts in flight at once per drain: receivers are sent to concurrently */
  concurrency: number;
}
export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = {
  baseDelayMs: 2_000,
  maxDelayMs: 3_600_000,
  maxAttempts: 8,
  timeoutMs: 5_000,
  leaseMs: 30_000,
  batchSize: 50,
  concurrency: 16,
};

/** Delay before attempt `failedAttempts + 1`, after `failedAttempts` failures (≥ 1). */
export function backoffDelayMs(
  failedAttempts: number,
  policy: Pick<WebhookPolicy, 'baseDelayMs' | 'maxDelayMs'> = DEFAULT_WEBHOOK_POLICY,
): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
}

export type WebhookEventType = Schemas['WebhookEventType'];

/** Partners receive plan events, creators (their storefronts) queue offers. */
const EVENTS_OF = { partner: ['plan.published'], creator: ['queue.offer'] } as const;

/** The one owner of a subscription: a partner or a creator (422 naming the field otherwise). */
function subscriptionOwner(input: { partner_id?: string; creator_id?: string }) {
  if (input.partner_id !== undefined && input.creator_id === undefined)
    return { kind: 'partner' as const, id: input.partner_id };
  if (input.creator_id !== undefined && input.partner_id === undefined)
    return { kind: 'creator' as const, id: input.creator_id };
  throw new AppError('unprocessable', 'a subscription belongs to exactly one partner or one creator', {
    errors: [{ path: 'partner_id', message: 'give partner_id or creator_id, not both and not neither' }],
  });
}

function checkEventTypes(kind: 'partner' | 'creator', eventTypes: readonly string[]) {
  const allowed: readonly string[] = EVENTS_OF[kind];
  const bad = eventTypes.findIndex((t) => !allowed.includes(t));
  if (bad >= 0)
    throw new AppError('unprocessable', `a ${kind}'s subscription may receive only ${allowed.join(', ')}`, {
      errors: [{ path: `event_types[${bad}]`, message: `not an event for a ${kind}` }],
    });
}

const iso = (d: Date) => d.toISOString();
const toSubscription = (row: SubscriptionRow): Schemas['WebhookSubscription'] => ({
  id: row.id,
  partner_id: row.partner_id,
  creator_id: row.creator_id,
  url: row.url,
  event_types: row.event_types as WebhookEventType[],
  active: row.active,
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
});
const toDelivery = (row: DeliveryRow): Schemas['WebhookDelivery'] => ({
  id: row.id,
  attempt: row.attempt,
  trigger: row.trigger,
  status_code: row.status_code,
  ok: row.ok,
  error: row.error,
  duration_ms: row.duration_ms,
  attempted_at: iso(row.attempted_at),
});
const toEvent = (row: OutboxRow, deliveries: DeliveryRow[]): Schemas['WebhookEvent'] => ({
  id: row.id,
  subscription_id: row.subscription_id,
  event_type: row.event_type as WebhookEventType,
  status: row.status,
  attempts: row.attempts,
  next_attempt_at: iso(row.next_attempt_at),
  last_error: row.last_error,
  created_at: iso(row.created_at),
  delivered_at: row.delivered_at ? iso(row.delivered_at) : null,
  deliveries: deliveries.map(toDelivery),
});

export function createWebhooksService(
  db: Database,
  deps: {
    catalog: Pick<CatalogService, 'partnerExists' | 'creatorExists'>;
    clock: Clock;
    sender: WebhookSender;
    logger: Logger;
    policy?: Partial<WebhookPolicy>;
  },
) {
  const policy: WebhookPolicy = { ...DEFAULT_WEBHOOK_POLICY, ...deps.policy };
  const { catalog, clock, sender, logger } = deps;
  const inFlight = new Set<Promise<unknown>>();

  async function requireSubscription(id: string) {
    const row = await repo.findSubscription(db, id);
    if (!row) throw notFound('webhook subscription', id);
    return row;
  }

  /**
   * One attempt: sign, send, log, and move the event on (delivered, retry later, or failed). `token`:
   * the drain's claim on the event (null for a manual redelivery); a drain whose claim was taken
   * over meanwhile logs its attempt but leaves the event to the new claimer.
   */
  async function attempt(event: OutboxRow, trigger: DeliveryRow['trigger'], token: string | null): Promise<boolean> {
    const subscription = await repo.findSubscription(db, event.subscription_id);
    if (!subscription) return false;
    const started = clock.now();
    const t = Math.floor(started.getTime() / 1000);
    const wallStart = Date.now();
    const attemptNo = event.attempts + 1;
    const response = await sender.send({
      url: subscription.url,
      body: event.payload,
      timeoutMs: policy.timeoutMs,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'microfulfil-webhooks/1',
        [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(subscription.secret, t, event.payload),
        // One outbox row is one event to one subscription: its id is the same on every attempt, so a
        // receiver that crashed after taking a delivery can recognise the retry and drop it.
        'X-Webhook-Delivery-Id': event.id,
        'X-Webhook-Id': event.id,
        'X-Webhook-Attempt': String(attemptNo),
        'X-Webhook-Event': event.event_type,
      },
    });
    const ok = isDelivered(response);
    let counted = true;
    await db.transaction(async (tx) => {
      await repo.insertDelivery(tx, {
        id: `whd_${randomUUID()}`,
        outbox_id: event.id,
        attempt: attemptNo,
        trigger,
        status_code: response.status,
        ok,
        error: ok ? null : (response.error ?? 'failed'),
        duration_ms: Math.max(0, Date.now() - wallStart),
        attempted_at: started,
      });
      if (ok) {
        counted = await repo.recordAttempt(tx, event.id, token, {
          status: 'delivered',
          next_attempt_at: null,
          error: null,
          delivered_at: started,
        });
      } else if (trigger === 'manual') {
        // A manual redelivery that fails leaves the schedule and the state as they were.
        counted = await repo.recordAttempt(tx, event.id, token, {
          status: event.status,
          next_attempt_at: null,
          error: response.error,
          delivered_at: null,
        });
      } else if (attemptNo >= policy.maxAttempts) {
        counted = await repo.recordAttempt(tx, event.id, token, {
          status: 'failed',
          next_attempt_at: null,
          error: response.error,
          delivered_at: null,
        });
      } else {
        const next = new Date(started.getTime() + backoffDelayMs(attemptNo, policy));
        counted = await repo.recordAttempt(tx, event.id, token, {
          status: 'pending',
          next_attempt_at: next,
          error: response.error,
          delivered_at: null,
        });
      }
    });
    if (!counted)
      logger.warn({ event: event.id, attempt: attemptNo }, 'webhook claim was taken over during the attempt');
    if (!ok)
      logger.warn(
        { event: event.id, attempt: attemptNo, status: response.status, error: response.error },
        'webhook delivery failed',
      );
    return ok;
  }

  const service = {
    async createSubscription(
      input: Schemas['WebhookSubscriptionInput'],
    ): Promise<Schemas['WebhookSubscriptionCreated']> {
      const id = `whs_${randomBytes(8).toString('hex')}`;
      const secret = generateWebhookSecret();
      const owner = subscriptionOwner(input);
      const eventTypes = input.event_types ?? [owner.kind === 'partner' ? 'plan.published' : 'queue.offer'];
      checkEventTypes(owner.kind, eventTypes);
      await db.transaction(async (tx) => {
        const exists =
          owner.kind === 'partner'
            ? await catalog.partnerExists(owner.id, tx)
            : await catalog.creatorExists(owner.id, tx);
        if (!exists) {
          throw new AppError('unprocessable', `${owner.kind} '${owner.id}' does not exist`, {
            errors: [{ path: `${owner.kind}_id`, message: `unknown ${owner.kind}` }],
          });
        }
        await repo.insertSubscription(tx, {
          id,
          partner_id: owner.kind === 'partner' ? owner.id : null,
          creator_id: owner.kind === 'creator' ? owner.id : null,
          url: input.url,
          secret,
          event_types: eventTypes,
        });
      });
      return { ...toSubscription((await repo.findSubscription(db, id))!), secret };
    },
    async listSubscriptions(partnerId: string | undefined, page: PageRequest) {
      const rows = await repo.listSubscriptions(db, partnerId, page);
      return pageOf(rows, page, (r) => [r.page_created_at, r.id], toSubscription);
    },
    async getSubscription(id: string) {
      return toSubscription(await requireSubscription(id));
    },
    async updateSubscription(id: string, patch: Schemas['WebhookSubscriptionUpdate']) {
      const existing = await requireSubscription(id);
      if (patch.event_types) checkEventTypes(existing.partner_id !== null ? 'partner' : 'creator', patch.event_types);
      await repo.updateSubscription(db, id, patch);
      return toSubscription((await repo.findSubscription(db, id))!);
    },
    async deleteSubscription(id: string) {
      if (!(await repo.deleteSubscription(db, id))) throw notFound('webhook subscription', id);
    },
    async listEvents(
      subscriptionId: string,
      status: Schemas['WebhookEvent']['status'] | undefined,
      page: PageRequest,
    ): Promise<Page<Schemas['WebhookEvent']>> {
      await requireSubscription(subscriptionId);
      const events = (await repo.listOutboxEvents(db, subscriptionId, status, page)).slice(0, page.limit + 1);
      const deliveries = await repo.listDeliveries(
        db,
        events.slice(0, page.limit).map((e) => e.id),
      );
      return pageOf(
        events,
        page,
        (e) => [e.page_created_at, e.id],
        (e) =>
          toEvent(
            e,
            deliveries.filter((d) => d.outbox_id === e.id),
          ),
      );
    },

    /**
     * Writes one event per active subscription of these partners, inside the caller's transaction
     * (the outbox): the event exists exactly when the change it announces was committed.
     */
    async enqueue(
      tx: Queryable,
      eventType: WebhookEventType,
      partnerIds: string[],
      dataFor: (partnerId: string) => unknown,
    ): Promise<number> {
      if (partnerIds.length === 0) return 0;
      const subscriptions = await repo.listActiveSubscriptionsFor(tx, partnerIds, eventType);
      const at = clock.now();
      const rows = subscriptions.map((s) => {
        const id = `evt_${randomUUID()}`;
        return {
          id,
          subscription_id: s.id,
          event_type: eventType,
          payload: JSON.stringify({ id, type: eventType, created_at: iso(at), data: dataFor(s.partner_id!) }),
          at,
        };
      });
      await repo.insertOutboxEvents(tx, rows);
      return rows.length;
    },

    /**
     * Sends every due event once; returns how many were attempted. Each claimed event is leased to
     * this drain, and the leases of attempts still in flight are renewed, so no other drain (in this
     * or another process) sends an event while an attempt of it is under way. Attempts run
     * concurrently (policy.concurrency), each bounded by the receiver timeout.
     */
    async drainOutbox(): Promise<{ attempted: number; delivered: number }> {
      const now = clock.now();
      const token = randomUUID();
      const claimed = await db.transaction((tx) =>
        repo.claimDueEvents(tx, now, new Date(now.getTime() + policy.leaseMs), policy.batchSize, token),
      );
      if (claimed.length === 0) return { attempted: 0, delivered: 0 };
      const inFlightIds = new Set(claimed.map((e) => e.id));
      const renewal = setInterval(
        () => {
          if (inFlightIds.size === 0) return;
          repo
            .renewLeases(db, [...inFlightIds], token, new Date(clock.now().getTime() + policy.leaseMs))
            .catch((error: unknown) => logger.warn({ err: error }, 'webhook lease renewal failed'));
        },
        Math.max(10, Math.floor(policy.leaseMs / 3)),
      );
      renewal.unref();
      let delivered = 0;
      let next = 0;
      const worker = async () => {
        while (next < claimed.length) {
          const event = claimed[next++]!;
          try {
            if (await attempt(event, event.attempts === 0 ? 'first' : 'retry', token)) delivered += 1;
          } catch (error) {
            // The lease runs out and another drain retries it.
            logger.error({ err: error, event: event.id }, 'webhook attempt failed to record');
          } finally {
            inFlightIds.delete(event.id);
          }
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(policy.concurrency, claimed.length) }, worker));
      } finally {
        clearInterval(renewal);
      }
      return { attempted: claimed.length, delivered };
    },

    /** Starts a drain without waiting (after publish); `idle()` waits for it. */
    kick() {
      const p = service
        .drainOutbox()
        .catch((error: unknown) => logger.error({ err: error }, 'webhook drain failed'))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },

    async redeliver(eventId: string): Promise<Schemas['WebhookEvent']> {
      const event = await repo.findOutboxEvent(db, eventId);
      if (!event) throw notFound('webhook event', eventId);
      await attempt(event, 'manual', null);
      const after = (await repo.findOutboxEvent(db, eventId))!;
      return toEvent(after, await repo.listDeliveries(db, [eventId]));
    },
  };
  return service;
}

export type WebhooksService = ReturnType<typeof createWebhooksService>;
