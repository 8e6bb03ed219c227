import express from 'express';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { openDatabase } from '../db/open-database';
import { createApp } from '../http/app';
import { DEMO_DROP_ID, loadDemoCatalog } from '../demo/demo-catalog';
import { createServices } from '../services';
import { createLogger } from '../shared/logger';

/**
 * The service under load for delivery.bench.ts, in its own process (so the load generator does not
 * share its event loop): the demo catalog, a published plan with ample stock, a storefront key, the
 * real app on one port and a bare express "hello" route on another, as the reference.
 * Prints one JSON line with the URLs and the key, then serves until killed.
 */
const config = loadConfig({
  ...process.env,
  LOG_LEVEL: 'warn',
  SCHEDULER: 'off',
  ESTIMATE_RATE_LIMIT_PER_MINUTE: '1000000000',
  DEMO_DATA: 'true',
});
const db = await openDatabase(config);
await migrate(db);
const logger = createLogger('warn');
const services = createServices({ db, config, logger });
await loadDemoCatalog(services.catalog, services.clock);
const skus = await services.catalog.listSkus({ keyId: 'bench', role: 'admin' }, DEMO_DROP_ID);
const hubs = await services.catalog.listHubs({ keyId: 'bench', role: 'admin' });
const unitsPerHub = Number(process.env.BENCH_UNITS_PER_HUB ?? 1_000_000);
/** One SKU at one hub gets little stock, so the bench can drive holds past it and check no oversell. */
const SCARCE = { skuId: 'sku-nova-tee', hubId: 'hub-lax', units: 200 };
await db.transaction(async (tx) => {
  await tx.query(
    `insert into plans (id, drop_id, version, status, catalog_snapshot, solver, totals) values ('plan-bench', $1, 1, 'draft', '{}', '{}', '{}')`,
    [DEMO_DROP_ID],
  );
  for (const sku of skus)
    for (const hub of hubs) {
      const units = sku.id === SCARCE.skuId && hub.id === SCARCE.hubId ? SCARCE.units : unitsPerHub;
      await tx.query('insert into plan_allocations (plan_id, sku_id, hub_id, units) values ($1, $2, $3, $4)', [
        'plan-bench',
        sku.id,
        hub.id,
        units,
      ]);
    }
  await tx.query("update plans set status = 'published', published_at = now() where id = 'plan-bench'");
});
// Local pickup: two hubs offer buyers in PICKUP_REGION hour slots on weekdays and Saturday mornings.
const PICKUP_REGION = 'US-AZ';
for (const hubId of ['hub-lax', 'hub-dfw'])
  await services.pickup.putHubPickup({ keyId: 'bench', role: 'admin' }, hubId, {
    address_label: `${hubId} pickup counter`,
    slot_minutes: 60,
    units_per_slot: 50,
    opening_hours: [
      ...[1, 2, 3, 4, 5].flatMap((weekday) => [
        { weekday, opens: 9, closes: 12 },
        { weekday, opens: 13, closes: 18 },
      ]),
      { weekday: 6, opens: 10, closes: 14 },
    ],
    region_ids: [PICKUP_REGION],
  });
const key = (await services.keys.createApiKey({ role: 'storefront', creator_id: 'creator-nova', label: 'bench' })).key;
/** The creator's key: the access bench sets the drop's tiers and limits with it. */
const creatorKey = (await services.keys.createApiKey({ role: 'creator', creator_id: 'creator-nova', label: 'bench' }))
  .key;
await services.start();

const app = createApp({ services, logger });
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const bare = express();
bare.get('/hello', (_req, res) => {
  res.json({ hello: 'world' });
});
const bareServer = bare.listen(0, '127.0.0.1');
await new Promise((resolve) => bareServer.once('listening', resolve));

process.stdout.write(
  `${JSON.stringify({
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hello: `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/hello`,
    key,
    creatorKey,
    dropId: DEMO_DROP_ID,
    skuId: skus[0]!.id,
    skuIds: skus.map((s) => s.id),
    scarce: SCARCE,
    pickupRegionId: PICKUP_REGION,
  })}\n`,
);
process.on('SIGTERM', () => {
  server.close();
  bareServer.close();
  void services
    .stop()
    .then(() => db.close())
    .then(() => process.exit(0));
});
