import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import { openPostgresDatabase } from '../../../src/db/postgres-database';
import type { Principal } from '../../../src/http/principal';
import { createServices, type Services } from '../../../src/services';
import { fixedClock } from '../../../src/shared/clock';
import { createLogger } from '../../../src/shared/logger';
import { createTenant, type Tenant } from '../../factories/catalog-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';
import { answer } from '../../harness/answers';

/**
 * Two replicas on one PostgreSQL: the test app (replica A) and a second service stack with its own
 * connection pool and LISTEN connection (replica B). A change made through A must show in B's
 * in-memory estimates within a second.
 */
const admin: Principal = { keyId: 'test', role: 'admin' };
let app: TestApp;
let replicaB: Services;
let tenant: Tenant;

beforeAll(async () => {
  app = await startTestApp();
  if (!app.database.url) return;
  const db = await openPostgresDatabase(app.database.url);
  replicaB = createServices({
    db,
    config: loadConfig({ LOG_LEVEL: 'silent', SCHEDULER: 'off' }),
    logger: createLogger('silent'),
    clock: fixedClock('2026-11-23T12:00:00Z'),
  });
  await replicaB.start();
  tenant = await createTenant(app);
});
afterAll(async () => {
  if (replicaB) {
    await replicaB.stop();
    await replicaB.db.close();
  }
  await app.close();
});

const unitsAtHubSeenBy = (services: Services) => {
  const estimate = services.delivery.estimate(admin, {
    sku_id: tenant.skuId,
    region_id: tenant.regionIds[0]!,
    quantity: 1,
  });
  return estimate.status === 'promise' && estimate.source.type === 'hub';
};

describe.skipIf(!process.env.TEST_DATABASE_URL)('two replicas on one database', () => {
  it('agree within a second after a plan is published and after stock is held', async () => {
    await eventually(() => replicaB.snapshots.current().skus.has(tenant.skuId), 1_000);
    await publishPlanWithAllocations(app.database.db, tenant.dropId, [
      { skuId: tenant.skuId, hubId: tenant.hubId, units: 2 },
    ]);
    const publishLag = await eventually(() => unitsAtHubSeenBy(replicaB), 1_000);

    const hold = await answer(
      app.client().POST('/v1/holds', {
        body: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: 2 },
      }),
    );
    expect(hold.status).toBe(201);
    const holdLag = await eventually(() => !unitsAtHubSeenBy(replicaB), 1_000);
    expect(publishLag).toBeLessThan(1_000);
    expect(holdLag).toBeLessThan(1_000);
  });

  it('stops accepting a key revoked on the other replica within a second', async () => {
    const created = await answer(
      app.client().POST('/v1/keys', { body: { role: 'creator', creator_id: tenant.creatorId } }),
    );
    expect(await replicaB.keys.authenticate(created.data!.key)).toBeDefined();
    await answer(app.client().DELETE('/v1/keys/{keyId}', { params: { path: { keyId: created.data!.id } } }));
    await eventually(async () => (await replicaB.keys.authenticate(created.data!.key)) === undefined, 1_000);
  });
});
