import { loadConfig } from '../../../src/config';
import { openPostgresDatabase } from '../../../src/db/postgres-database';
import { createServices } from '../../../src/services';
import { createLogger } from '../../../src/shared/logger';

/**
 * A second service process for the webhook tests: drains the outbox of the PostgreSQL database in
 * DATABASE_URL once, with a short lease (WEBHOOK_LEASE_MS), and says "draining" first. The test
 * kills it (SIGKILL) while a receiver holds its request.
 */
const db = await openPostgresDatabase(process.env.DATABASE_URL!);
const services = createServices({
  db,
  config: loadConfig({ LOG_LEVEL: 'silent', SCHEDULER: 'off', DEMO_DATA: 'false' }),
  logger: createLogger('silent'),
  webhookPolicy: { leaseMs: Number(process.env.WEBHOOK_LEASE_MS ?? 1000), timeoutMs: 30_000 },
});
process.stdout.write('draining\n');
const result = await services.webhooks.drainOutbox();
process.stdout.write(`${JSON.stringify(result)}\n`);
await db.close();
