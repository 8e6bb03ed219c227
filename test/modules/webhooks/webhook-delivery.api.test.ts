import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import type { Database } from '../../../src/db/database';
import { openPostgresDatabase } from '../../../src/db/postgres-database';
import { createServices, type Services } from '../../../src/services';
import { systemClock } from '../../../src/shared/clock';
import { createLogger } from '../../../src/shared/logger';
import type { WebhookPolicy } from '../../../src/modules/webhooks/webhooks.service';
import { createTenant, type Tenant } from '../../factories/catalog-factory';
import { eventually } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { startWebhookReceiver } from './webhook-receiver';
import { answer } from '../../harness/answers';

/**
 * Seen defect 5: with slow receivers, a claim on a batch ran out while one drain was still sending
 * it one by one, and a second drain sent the same event again; slow receivers delayed the others.
 *
 * Two service instances drain one outbox at once (two `createServices`, each with its own
 * connection pool on PostgreSQL), on the real clock, with a lease shorter than the slowest
 * successful receiver: only the renewal of the lease keeps the second drain off an event in flight.
 * Receivers: slow but in time, slow past the timeout (first attempt), failing (first two attempts),
 * crashing (drops the connection on the first attempt), and fast.
 */
const POLICY: Partial<WebhookPolicy> = {
  leaseMs: 600,
  timeoutMs: 2_000,
  baseDelayMs: 100,
  maxDelayMs: 400,
  maxAttempts: 8,
  concurrency: 16,
};

let app: TestApp;
let second: Services;
let secondDb: Database | undefined;

beforeAll(async () => {
  app = await startTestApp({ clock: systemClock, env: {} });
  // The second drainer: its own pool on PostgreSQL; on PGlite, the one in-process database.
  secondDb = app.database.url ? await openPostgresDatabase(app.database.url) : undefined;
  second = createServices({
    db: secondDb ?? app.database.db,
    config: loadConfig({ LOG_LEVEL: 'silent', SCHEDULER: 'off', DEMO_DATA: 'false' }),
    logger: createLogger('silent'),
    webhookPolicy: POLICY,
  });
});
afterAll(async () => {
  await second.stop();
  await secondDb?.close();
  await app.close();
});

/** The first service with the test policy (the test app's own webhooks service keeps the defaults). */
function firstDrainer(): Services {
  return createServices({
    db: app.database.db,
    config: loadConfig({ LOG_LEVEL: 'silent', SCHEDULER: 'off', DEMO_DATA: 'false' }),
    logger: createLogger('silent'),
    webhookPolicy: POLICY,
  });
}

async function subscribe(partnerId: string, url: string): Promise<string> {
  const res = await answer(app.client().POST('/v1/webhook-subscriptions', { body: { partner_id: partnerId, url } }));
  expect(res.status, res.text).toBe(201);
  return res.data!.id as string;
}

async function enqueueFor(t: Tenant) {
  await app.database.db.transaction((tx) =>
    app.services.webhooks.enqueue(tx, 'plan.published', [t.partnerId], () => ({ drop_id: t.dropId })),
  );
}

async function outboxOf(subscriptionIds: string[]) {
  const { rows } = await app.database.db.query<{ id: string; subscription_id: string; status: string; ok: number }>(
    `select o.id, o.subscription_id, o.status,
       (select count(*)::int from webhook_deliveries d where d.outbox_id = o.id and d.ok) as ok
     from webhook_outbox o where o.subscription_id = any($1::text[])`,
    [subscriptionIds],
  );
  return rows;
}

describe('webhooks to slow, failing and crashing receivers, drained by two services at once', () => {
  it('sends each event once at a time, to all receivers concurrently, with exactly one success per event', async () => {
    const receiver = await startWebhookReceiver(
      () => 200,
      (_id, seen, url) => {
        if (url.includes('slow-ok')) return { delayMs: 1_200 };
        if (url.includes('slow-late')) return seen === 1 ? { delayMs: 3_000 } : {};
        if (url.includes('failing')) return seen <= 2 ? { status: 500 } : {};
        if (url.includes('crashing')) return seen === 1 ? { crash: true } : {};
        return {};
      },
    );
    const slowPartner = await createTenant(app);
    const otherPartner = await createTenant(app);
    const slow: string[] = [];
    for (let i = 0; i < 4; i++) slow.push(await subscribe(slowPartner.partnerId, `${receiver.url}/slow-ok/${i}`));
    for (let i = 0; i < 4; i++) slow.push(await subscribe(slowPartner.partnerId, `${receiver.url}/slow-late/${i}`));
    const failing = await subscribe(otherPartner.partnerId, `${receiver.url}/failing`);
    const crashing = await subscribe(otherPartner.partnerId, `${receiver.url}/crashing`);
    const fast = await subscribe(otherPartner.partnerId, `${receiver.url}/fast`);
    const all = [...slow, failing, crashing, fast];
    // The slow receivers' events are older, so a drain that sends one by one would send them first.
    await enqueueFor(slowPartner);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await enqueueFor(otherPartner);

    const first = firstDrainer();
    const settled = async () => (await outboxOf(all)).every((e) => e.status !== 'pending');
    const loop = async (services: Services) => {
      const deadline = Date.now() + 30_000;
      while (!(await settled()) && Date.now() < deadline) {
        await services.webhooks.drainOutbox();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    };
    try {
      await Promise.all([loop(first), loop(second)]);
    } finally {
      await first.stop();
    }

    const outbox = await outboxOf(all);
    expect(outbox).toHaveLength(all.length);
    // Exactly one recorded success per event, and the receiver processed each delivery id once.
    expect(outbox.map((e) => [e.status, e.ok])).toEqual(all.map(() => ['delivered', 1]));
    expect([...receiver.processed].sort()).toEqual(outbox.map((e) => e.id).sort());
    // Never two attempts of one event in flight at once, whichever drain sent them. (A receiver that
    // answers after the timeout still holds the first request when the retry comes: that attempt had
    // ended for the sender, so those are left out.)
    const late = new Set(outbox.filter((e) => slow.slice(4).includes(e.subscription_id)).map((e) => e.id));
    const overlapping = [...receiver.maxConcurrent].filter(([id, most]) => !late.has(id) && most > 1);
    expect(overlapping).toEqual([]);

    const requestsOf = (subscriptionId: string) => {
      const eventId = outbox.find((e) => e.subscription_id === subscriptionId)!.id;
      return receiver.received.filter((r) => r.headers['x-webhook-delivery-id'] === eventId);
    };
    // Retries carry the same delivery id (the event's id) and count their attempts.
    expect(requestsOf(crashing).map((r) => r.headers['x-webhook-attempt'])).toEqual(['1', '2']);
    expect(requestsOf(failing).map((r) => r.headers['x-webhook-attempt'])).toEqual(['1', '2', '3']);
    for (const r of receiver.received) expect(JSON.parse(r.body).id).toBe(r.headers['x-webhook-delivery-id']);
    // The slow-but-in-time receivers were sent once each: their leases were renewed past 600 ms.
    for (const id of slow.slice(0, 4)) expect(requestsOf(id)).toHaveLength(1);
    // One slow receiver delays no other: the fast one had its event before any slow one answered.
    const fastEvent = outbox.find((e) => e.subscription_id === fast)!.id;
    const slowAnswers = slow
      .slice(0, 4)
      .map((id) => receiver.answeredAt.get(outbox.find((e) => e.subscription_id === id)!.id)!);
    expect(receiver.answeredAt.get(fastEvent)!).toBeLessThan(Math.min(...slowAnswers));
    await receiver.close();
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('a drainer process killed mid-send', () => {
  it('is replaced after its lease runs out; the receiver recognises the resend by its delivery id', async () => {
    const receiver = await startWebhookReceiver(
      () => 200,
      (_id, seen) => (seen === 1 ? { delayMs: 5_000 } : {}),
    );
    const t = await createTenant(app);
    const subscription = await subscribe(t.partnerId, receiver.url);
    await enqueueFor(t);
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/modules/webhooks/drain-once.child.ts'], {
      env: { ...process.env, DATABASE_URL: app.database.url, WEBHOOK_LEASE_MS: '1000' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    readline.createInterface({ input: child.stdout }).on('line', () => undefined);
    // The child has the event in flight: the receiver holds its request.
    await eventually(() => receiver.received.length === 1, 30_000);
    child.kill('SIGKILL');
    await exited;
    const [event] = await outboxOf([subscription]);
    expect(event).toMatchObject({ status: 'pending', ok: 0 });
    // Within its lease the event is still the dead drainer's; after it, the other service sends it.
    const first = firstDrainer();
    try {
      expect((await first.webhooks.drainOutbox()).attempted).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      expect(await first.webhooks.drainOutbox()).toEqual({ attempted: 1, delivered: 1 });
    } finally {
      await first.stop();
    }
    expect(receiver.received.map((r) => r.headers['x-webhook-delivery-id'])).toEqual([event!.id, event!.id]);
    expect(await outboxOf([subscription])).toEqual([{ ...event, status: 'delivered', ok: 1 }]);
    // The receiver took the first request too (its handler finished after the sender died): it
    // processed the delivery once and dropped the other copy.
    await eventually(() => receiver.duplicatesDropped() === 1, 10_000);
    expect([...receiver.processed]).toEqual([event!.id]);
    await receiver.close();
  });
});
