import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open-database';
import { createApp } from '../http/app';
import { createServices } from '../services';
import { createLogger } from '../shared/logger';
import { createWorkerPool } from '../shared/worker-pool';
import { seedLargeDrop } from './large-drop';

/**
 * The service under test for resilience.bench.ts, in its own process as it is deployed (the
 * clients that measure it do not share its event loop): a 1,000-SKU drop, a published plan with
 * plenty of one SKU at every hub for holds, an admin and a storefront key, a real worker pool.
 * Prints one JSON line with what the clients need, then serves until SIGTERM. With
 * BENCH_SEED_ONLY=1 it seeds, prints the line and exits: the split-roles run then starts the
 * service itself as an API replica and a worker on that database.
 */
export const RESILIENCE_SHAPE = { skus: 1_000, hubs: 10, regions: 50 };

const dataDir = `var/bench-resilience-${randomBytes(3).toString('hex')}`;
const config = loadConfig({
  ...process.env,
  DATA_DIR: dataDir,
  LOG_LEVEL: 'silent',
  SCHEDULER: 'off',
  DEMO_DATA: 'false',
  ESTIMATE_RATE_LIMIT_PER_MINUTE: '1000000000',
});
const db = await openDatabase(config);
const workers = await createWorkerPool({ threads: 1, nice: config.workerThreadNice });
await migrate(db);
const services = createServices({ db, config, logger: createLogger('silent'), workers });
const drop = await seedLargeDrop(services, { ...RESILIENCE_SHAPE, prefix: 'bench' });
const hotSku = drop.skuIds[0]!;
await db.transaction(async (tx) => {
  await tx.query(
    `insert into plans (id, drop_id, version, status, catalog_snapshot, solver, totals) values ('plan-bench', $1, 1000, 'draft', '{}', '{}', '{}')`,
    [drop.dropId],
  );
  for (let h = 0; h < RESILIENCE_SHAPE.hubs; h++)
    await tx.query('insert into plan_allocations (plan_id, sku_id, hub_id, units) values ($1, $2, $3, $4)', [
      'plan-bench',
      hotSku,
      `bench-hub-${h}`,
      10_000_000,
    ]);
  await tx.query("update plans set status = 'published', published_at = now() where id = 'plan-bench'");
});
const admin = (await services.keys.createApiKey({ role: 'admin', label: 'bench' })).key;
const storefront = (
  await services.keys.createApiKey({ role: 'storefront', creator_id: drop.creatorId, label: 'bench' })
).key;
await services.start();
const server = createApp({ services, logger: services.logger }).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));

process.stdout.write(
  `${JSON.stringify({
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    engine: db.engine,
    admin,
    storefront,
    dropId: drop.dropId,
    hotSku,
    regionId: drop.regionIds[0]!,
  })}\n`,
);
if (process.env.BENCH_SEED_ONLY === '1') {
  server.close();
  await services.stop();
  await workers.close();
  await db.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
process.on('SIGTERM', () => {
  server.close();
  void services
    .stop()
    .then(() => workers.close())
    .then(() => db.close())
    .finally(() => {
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(0);
    });
});
