import type { Queryable } from '../../db/database';
import type { Schemas } from '../../http/contract';
import { afterKey, type PageRequest } from '../../http/pagination';

/** Webhook SQL: subscriptions, the outbox and the delivery log. */
export interface SubscriptionRow {
  id: string;
  partner_id: string | null;
  creator_id: string | null;
  url: string;
  secret: string;
  event_types: string[];
  active: boolean;
  created_at: Date;
  updated_at: Date;
}
export interface OutboxRow {
  id: string;
  subscription_id: string;
  event_type: string;
  payload: string;
  status: Schemas['WebhookEvent']['status'];
  attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  created_at: Date;
  delivered_at: Date | null;
}
export interface DeliveryRow {
  id: string;
  outbox_id: string;
  attempt: number;
  trigger: Schemas['WebhookDelivery']['trigger'];
  status_code: number | null;
  ok: boolean;
  error: string | null;
  duration_ms: number;
  attempted_at: Date;
}

const subscriptionColumns = 'id, partner_id, creator_id, url, secret, event_types, active, created_at, updated_at';
const outboxColumns =
  'id, subscription_id, event_type, payload, status, attempts, next_attempt_at, last_error, created_at, delivered_at';

export const webhooksRepository = {
  async insertSubscription(
    db: Queryable,
    s: {
      id: string;
      partner_id: string | null;
      creator_id: string | null;
      url: string;
      secret: string;
      event_types: string[];
    },
  ) {
    await db.query(
      'insert into webhook_subscriptions (id, partner_id, creator_id, url, secret, event_types) values ($1, $2, $3, $4, $5, $6::text[])',
      [s.id, s.partner_id, s.creator_id, s.url, s.secret, s.event_types],
    );
  },
  async findSubscription(db: Queryable, id: string) {
    return (
      await db.query<SubscriptionRow>(`select ${subscriptionColumns} from webhook_subscriptions where id = $1`, [id])
    ).rows[0];
  },
  /** Oldest first; the page key is (created_at as text, id). */
  async listSubscriptions(db: Queryable, partnerId: string | undefined, page: PageRequest) {
    return (
      await db.query<SubscriptionRow & { page_created_at: string }>(
        `select ${subscriptionColumns}, created_at::text as page_created_at from webhook_subscriptions
         where ($1::text is null or partner_id = $1)
           and ($2::timestamptz is null or (created_at, id) > ($2::timestamptz, $3::text))
         order by created_at, id limit $4`,
        [partnerId ?? null, ...afterKey(page, 2), page.limit + 1],
      )
    ).rows;
  },
  async listActiveSubscriptionsFor(db: Queryable, partnerIds: string[], eventType: string) {
    return (
      await db.query<SubscriptionRow>(
        `select ${subscriptionColumns} from webhook_subscriptions
         where active and partner_id = any($1::text[]) and $2 = any(event_types) order by partner_id, id`,
        [partnerIds, eventType],
      )
    ).rows;
  },
  async updateSubscription(
    db: Queryable,
    id: string,
    patch: { url?: string; event_types?: string[]; active?: boolean },
  ) {
    await db.query(
      `update webhook_subscriptions set url = coalesce($2, url), event_types = coalesce($3::text[], event_types), active = coalesce($4, active), updated_at = now()
       where id = $1`,
      [id, patch.url ?? null, patch.event_types ?? null, patch.active ?? null],
    );
  },
  async deleteSubscription(db: Queryable, id: string) {
    return (await db.query('delete from webhook_subscriptions where id = $1', [id])).rowCount > 0;
  },

  async insertOutboxEvents(
    db: Queryable,
    rows: { id: string; subscription_id: string; event_type: string; payload: string; at: Date }[],
  ) {
    if (rows.length === 0) return;
    await db.query(
      `insert into webhook_outbox (id, subscription_id, event_type, payload, next_attempt_at, created_at)
       select id, subscription_id, event_type, payload, at, at from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
         as e(id, subscription_id, event_type, payload, at)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.subscription_id),
        rows.map((r) => r.event_type),
        rows.map((r) => r.payload),
        rows.map((r) => r.at),
      ],
    );
  },
  /**
   * Claims due events, each with its own lease until `leaseUntil` under the drainer's `token`: a
   * concurrent drainer skips leased rows, the claimer renews the lease while an attempt is in flight
   * (renewLeases), and a crashed drainer's lease runs out, so the event is sent again.
   */
  async claimDueEvents(tx: Queryable, now: Date, leaseUntil: Date, limit: number, token: string) {
    return (
      await tx.query<OutboxRow>(
        `update webhook_outbox set leased_until = $2, lease_token = $4
         where id in (
           select id from webhook_outbox
           where status = 'pending' and next_attempt_at <= $1 and (leased_until is null or leased_until <= $1)
           order by next_attempt_at, id limit $3
           for update skip locked)
         returning ${outboxColumns}`,
        [now, leaseUntil, limit, token],
      )
    ).rows;
  },
  /** Extends the leases this drainer still holds (by its token) on events whose attempt is in flight. */
  async renewLeases(db: Queryable, ids: string[], token: string, leaseUntil: Date) {
    await db.query(
      `update webhook_outbox set leased_until = $3
       where id = any($1::text[]) and lease_token = $2 and status = 'pending'`,
      [ids, token, leaseUntil],
    );
  },
  async findOutboxEvent(db: Queryable, id: string) {
    return (await db.query<OutboxRow>(`select ${outboxColumns} from webhook_outbox where id = $1`, [id])).rows[0];
  },
  /** Newest first; the page key is (created_at as text, id). */
  async listOutboxEvents(db: Queryable, subscriptionId: string, status: string | undefined, page: PageRequest) {
    return (
      await db.query<OutboxRow & { page_created_at: string }>(
        `select ${outboxColumns}, created_at::text as page_created_at from webhook_outbox
         where subscription_id = $1 and ($2::text is null or status = $2)
           and ($3::timestamptz is null or (created_at, id) < ($3::timestamptz, $4::text))
         order by created_at desc, id desc limit $5`,
        [subscriptionId, status ?? null, ...afterKey(page, 2), page.limit + 1],
      )
    ).rows;
  },
  /**
   * Moves the event on after an attempt. A drain's attempt counts only while its lease token still
   * holds the event (false when another drainer took it over after the lease ran out); a manual
   * redelivery (token null) leaves any lease as it is.
   */
  async recordAttempt(
    db: Queryable,
    outboxId: string,
    token: string | null,
    result: {
      status: 'pending' | 'delivered' | 'failed';
      next_attempt_at: Date | null;
      error: string | null;
      delivered_at: Date | null;
    },
  ): Promise<boolean> {
    const { rowCount } = await db.query(
      `update webhook_outbox set attempts = attempts + 1, status = $2, next_attempt_at = coalesce($3, next_attempt_at), last_error = $4,
         delivered_at = coalesce($5, delivered_at),
         leased_until = case when $6::text is null then leased_until else null end,
         lease_token = case when $6::text is null then lease_token else null end
       where id = $1 and ($6::text is null or lease_token = $6)`,
      [outboxId, result.status, result.next_attempt_at, result.error, result.delivered_at, token],
    );
    return rowCount > 0;
  },
  async insertDelivery(db: Queryable, d: DeliveryRow) {
    await db.query(
      `insert into webhook_deliveries (id, outbox_id, attempt, trigger, status_code, ok, error, duration_ms, attempted_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [d.id, d.outbox_id, d.attempt, d.trigger, d.status_code, d.ok, d.error, d.duration_ms, d.attempted_at],
    );
  },
  async listDeliveries(db: Queryable, outboxIds: string[]) {
    return (
      await db.query<DeliveryRow>(
        `select id, outbox_id, attempt, trigger, status_code, ok, error, duration_ms, attempted_at from webhook_deliveries
         where outbox_id = any($1::text[]) order by attempted_at desc, attempt desc`,
        [outboxIds],
      )
    ).rows;
  },
};
