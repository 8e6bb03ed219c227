import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseBody } from '../../../src/http/contract';
import { createJobQueue } from '../../../src/jobs/queue';
import { createLogger } from '../../../src/shared/logger';
import { webhooksRepository } from '../../../src/modules/webhooks/webhooks.repository';
import { backoffDelayMs } from '../../../src/modules/webhooks/webhooks.service';
import { verifyWebhookSignature, webhookSignature } from '../../../src/modules/webhooks/webhook-signing';
import { createKey, createTenant } from '../../factories/catalog-factory';
import { createPlanningScenario, type PlanningScenario } from '../../factories/plan-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { answer as answered } from '../../harness/answers';
import { startWebhookReceiver } from './webhook-receiver';

let app: TestApp;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let answer = 200;
beforeAll(async () => {
  app = await startTestApp();
  receiver = await startWebhookReceiver(() => answer);
});
afterAll(async () => {
  await app.services.webhooks.idle();
  await app.close();
  await receiver.close();
});

async function subscribe(partnerId: string, url = receiver.url) {
  const res = await answered(app.client().POST('/v1/webhook-subscriptions', { body: { partner_id: partnerId, url } }));
  expect(res.status, res.text).toBe(201);
  return res.data as ResponseBody<'createWebhookSubscription', 201>;
}

async function publishNewPlan(s: PlanningScenario) {
  const plan = await answered(
    app.client().POST('/v1/drops/{dropId}/plans', { params: { path: { dropId: s.dropId } }, body: { solver: 'fast' } }),
  );
  const res = await answered(
    app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId: plan.data!.id } } }),
  );
  expect(res.status, res.text).toBe(200);
  await app.services.webhooks.idle();
  return plan.data!.id as string;
}

async function events(subscriptionId: string) {
  const res = await answered(
    app.client().GET('/v1/webhook-subscriptions/{subscriptionId}/deliveries', { params: { path: { subscriptionId } } }),
  );
  expect(res.status).toBe(200);
  return (res.data as ResponseBody<'listWebhookDeliveries', 200>).items;
}

describe('signatures', () => {
  it('signs t.<body> with HMAC-SHA256 and verifies only the exact body, secret and a fresh timestamp', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    const t = now.getTime() / 1000;
    const header = webhookSignature('whsec_x', t, '{"a":1}');
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature({ secret: 'whsec_x', header, body: '{"a":1}', now })).toBe(true);
    expect(verifyWebhookSignature({ secret: 'whsec_x', header, body: '{"a":2}', now })).toBe(false);
    expect(verifyWebhookSignature({ secret: 'whsec_y', header, body: '{"a":1}', now })).toBe(false);
    expect(
      verifyWebhookSignature({ secret: 'whsec_x', header, body: '{"a":1}', now: new Date(now.getTime() + 301_000) }),
    ).toBe(false);
  });

  it('backs off exponentially: 2 s, 4 s, 8 s … capped at an hour', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n))).toEqual([2000, 4000, 8000, 16000]);
    expect(backoffDelayMs(30)).toBe(3_600_000);
  });
});

describe('subscriptions', () => {
  it('shows the secret once, never again, and manages the subscription', async () => {
    const t = await createTenant(app);
    const created = await subscribe(t.partnerId);
    expect(created.secret).toMatch(/^whsec_/);
    expect(created).toMatchObject({
      partner_id: t.partnerId,
      url: receiver.url,
      event_types: ['plan.published'],
      active: true,
    });
    const got = await answered(
      app
        .client()
        .GET('/v1/webhook-subscriptions/{subscriptionId}', { params: { path: { subscriptionId: created.id } } }),
    );
    expect(got.status).toBe(200);
    expect(got.data).not.toHaveProperty('secret');
    const list = await answered(
      app.client().GET('/v1/webhook-subscriptions', { params: { query: { partner_id: t.partnerId } } }),
    );
    expect(list.data!.items.map((x: { id: string }) => x.id)).toEqual([created.id]);
    expect(JSON.stringify(list.data)).not.toContain(created.secret);
    const patched = await answered(
      app.client().PATCH('/v1/webhook-subscriptions/{subscriptionId}', {
        params: { path: { subscriptionId: created.id } },
        body: { active: false },
      }),
    );
    expect(patched.data!.active).toBe(false);
    expect(
      (
        await answered(
          app
            .client()
            .DELETE('/v1/webhook-subscriptions/{subscriptionId}', { params: { path: { subscriptionId: created.id } } }),
        )
      ).status,
    ).toBe(204);
    expect(
      (
        await answered(
          app
            .client()
            .GET('/v1/webhook-subscriptions/{subscriptionId}', { params: { path: { subscriptionId: created.id } } }),
        )
      ).status,
    ).toBe(404);
  });

  it('answers 422 for an unknown partner, 400 for a non-http URL, and 404 to non-admin keys', async () => {
    expect(
      (
        await answered(
          app.client().POST('/v1/webhook-subscriptions', { body: { partner_id: 'nobody', url: receiver.url } }),
        )
      ).status,
    ).toBe(422);
    const t = await createTenant(app);
    expect(
      (
        await answered(
          app
            .client()
            .POST('/v1/webhook-subscriptions', { body: { partner_id: t.partnerId, url: 'ftp://x.example/' } }),
        )
      ).status,
    ).toBe(400);
    const partnerKey = await createKey(app, { role: 'partner', partner_id: t.partnerId });
    expect((await answered(app.client(partnerKey).GET('/v1/webhook-subscriptions'))).status).toBe(404);
    expect(
      (
        await answered(
          app
            .client(partnerKey)
            .POST('/v1/webhook-subscriptions', { body: { partner_id: t.partnerId, url: receiver.url } }),
        )
      ).status,
    ).toBe(404);
  });
});

describe('delivery on publish', () => {
  it('sends each involved partner a signed event with only its hubs, through the outbox, and logs it', async () => {
    const s = await createPlanningScenario(app);
    const subA = await subscribe(s.partnerId);
    const subB = await subscribe(s.partnerBId);
    const before = receiver.received.length;
    const planId = await publishNewPlan(s);
    const mine = receiver.received.slice(before);
    expect(mine).toHaveLength(2);
    for (const [sub, hubId, otherHub] of [
      [subA, s.hubId, s.hubBId],
      [subB, s.hubBId, s.hubId],
    ] as const) {
      const hit = mine.find((r) => JSON.parse(r.body).data.hub_ids[0] === hubId)!;
      expect(
        verifyWebhookSignature({
          secret: sub.secret,
          header: hit.headers['x-signature'] as string,
          body: hit.body,
          now: app.clock.now(),
        }),
      ).toBe(true);
      const payload = JSON.parse(hit.body);
      expect(payload).toMatchObject({
        type: 'plan.published',
        data: { plan_id: planId, drop_id: s.dropId, hub_ids: [hubId] },
      });
      expect(hit.headers['x-webhook-id']).toBe(payload.id);
      expect(hit.body).not.toContain(otherHub);
      const [event] = await events(sub.id);
      expect(event).toMatchObject({ id: payload.id, status: 'delivered', attempts: 1 });
      expect(event!.deliveries).toEqual([
        expect.objectContaining({ attempt: 1, trigger: 'first', ok: true, status_code: 200 }),
      ]);
    }
  });

  it('retries a failing receiver with exponential backoff, logs every attempt, and redelivers by hand', async () => {
    const s = await createPlanningScenario(app);
    const sub = await subscribe(s.partnerId);
    answer = 500;
    const start = app.clock.now();
    try {
      await publishNewPlan(s);
      let [event] = await events(sub.id);
      expect(event).toMatchObject({ status: 'pending', attempts: 1, last_error: 'HTTP 500' });
      expect(new Date(event!.next_attempt_at).getTime() - start.getTime()).toBe(2000);

      // Not due yet: nothing is sent.
      expect((await app.services.webhooks.drainOutbox()).attempted).toBe(0);
      app.clock.set(new Date(start.getTime() + 2000));
      expect(await app.services.webhooks.drainOutbox()).toEqual({ attempted: 1, delivered: 0 });
      [event] = await events(sub.id);
      expect(new Date(event!.next_attempt_at).getTime() - start.getTime()).toBe(2000 + 4000);

      answer = 200;
      app.clock.set(new Date(start.getTime() + 5999));
      expect((await app.services.webhooks.drainOutbox()).attempted).toBe(0);
      app.clock.set(new Date(start.getTime() + 6000));
      // The scheduled job drains the outbox (one replica per tick).
      const queue = createJobQueue(app.services.db, app.services.jobs, createLogger('silent'), { workers: false });
      expect(await queue.runOnce('webhooks.drain-outbox')).toBe(true);
      await queue.stop();
      [event] = await events(sub.id);
      expect(event).toMatchObject({ status: 'delivered', attempts: 3 });
      expect(event!.deliveries.map((d) => [d.attempt, d.trigger, d.status_code, d.ok])).toEqual([
        [3, 'retry', 200, true],
        [2, 'retry', 500, false],
        [1, 'first', 500, false],
      ]);

      const before = receiver.received.length;
      const redelivered = await answered(
        app.client().POST('/v1/webhook-events/{eventId}/redeliver', { params: { path: { eventId: event!.id } } }),
      );
      expect(redelivered.status, redelivered.text).toBe(200);
      expect(redelivered.data).toMatchObject({ status: 'delivered', attempts: 4 });
      expect(redelivered.data!.deliveries[0]).toMatchObject({ attempt: 4, trigger: 'manual', ok: true });
      expect(receiver.received.length).toBe(before + 1);
      expect(JSON.parse(receiver.received.at(-1)!.body).id).toBe(event!.id);
    } finally {
      answer = 200;
      app.clock.set(start);
    }
  });

  it('marks an event failed after the last attempt and keeps it for manual redelivery', async () => {
    const s = await createPlanningScenario(app);
    const sub = await subscribe(s.partnerId, 'http://127.0.0.1:9/unreachable');
    const start = app.clock.now();
    try {
      await publishNewPlan(s);
      for (let attempt = 2; attempt <= 8; attempt++) {
        const [event] = await events(sub.id);
        app.clock.set(event!.next_attempt_at);
        expect((await app.services.webhooks.drainOutbox()).attempted).toBe(1);
      }
      const [event] = await events(sub.id);
      expect(event).toMatchObject({ status: 'failed', attempts: 8 });
      expect(event!.deliveries.every((d) => !d.ok && d.status_code === null)).toBe(true);
      expect((await app.services.webhooks.drainOutbox()).attempted).toBe(0);
      expect(
        (
          await answered(
            app
              .client()
              .POST('/v1/webhook-events/{eventId}/redeliver', { params: { path: { eventId: 'evt_missing' } } }),
          )
        ).status,
      ).toBe(404);
    } finally {
      app.clock.set(start);
    }
  });

  it('writes nothing to the outbox when publishing fails, and nothing for partners without a subscription', async () => {
    const s = await createPlanningScenario(app);
    const whatIf = await answered(
      app
        .client()
        .POST('/v1/drops/{dropId}/plans/what-if', { params: { path: { dropId: s.dropId } }, body: { overrides: {} } }),
    );
    expect(
      (
        await answered(
          app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId: whatIf.data!.id } } }),
        )
      ).status,
    ).toBe(409);
    const { rows } = await app.services.db.query<{ n: number }>(
      'select count(*)::int as n from webhook_outbox o join webhook_subscriptions s on s.id = o.subscription_id where s.partner_id = any($1::text[])',
      [[s.partnerId, s.partnerBId]],
    );
    expect(rows[0]!.n).toBe(0);
    await publishNewPlan(s);
    const after = await app.services.db.query<{ n: number }>(
      'select count(*)::int as n from webhook_outbox where payload like $1',
      [`%${s.dropId}%`],
    );
    expect(after.rows[0]!.n).toBe(0);
  });

  it('re-sends an event whose drainer crashed after claiming it, once its lease runs out (at least once)', async () => {
    const t = await createTenant(app);
    const sub = await subscribe(t.partnerId);
    const { webhooks } = app.services;
    await app.services.db.transaction((tx) =>
      webhooks.enqueue(tx, 'plan.published', [t.partnerId], () => ({ probe: true })),
    );
    const start = app.clock.now();
    try {
      // A drainer claims the event and dies before sending.
      const claimed = await app.services.db.transaction((tx) =>
        webhooksRepository.claimDueEvents(tx, start, new Date(start.getTime() + 60_000), 100, 'crashed-drainer'),
      );
      expect(claimed.map((e) => e.subscription_id)).toContain(sub.id);
      expect((await events(sub.id))[0]).toMatchObject({ status: 'pending', attempts: 0 });
      app.clock.set(new Date(start.getTime() + 59_000));
      const early = await webhooks.drainOutbox();
      expect(early.attempted).toBe(0);
      app.clock.set(new Date(start.getTime() + 60_000));
      expect((await webhooks.drainOutbox()).delivered).toBeGreaterThanOrEqual(1);
      expect((await events(sub.id))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
    } finally {
      app.clock.set(start);
    }
  });
});
