import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlanningScenario, type PlanningScenario } from '../../factories/plan-factory';
import { eventually, publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { expectData } from '../../harness/answers';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * Replicas reload their catalog snapshot on NOTIFY mf_catalog. Estimates read only the published
 * plan, so computing, re-planning or annotating a draft must not make every replica reload (on an
 * API replica that is work on the serving event loop while a worker computes plans); publishing
 * must.
 */
let app: TestApp;
let tenant: PlanningScenario;
const heard: string[] = [];
let unlisten: () => Promise<void>;

beforeAll(async () => {
  app = await startTestApp();
  tenant = await createPlanningScenario(app);
  unlisten = await app.services.db.listen('mf_catalog', (payload) => heard.push(payload));
});
afterAll(async () => {
  await unlisten?.();
  await app?.close();
});

describe('plan changes on the change feed', () => {
  it('a computed draft plan is silent; publishing it notifies', async () => {
    await sleep(300);
    heard.length = 0;
    const plan = await expectData(
      201,
      app.client().POST('/v1/drops/{dropId}/plans', {
        params: { path: { dropId: tenant.dropId } },
        body: { solver: 'fast' },
      }),
    );
    await app.services.db.query("update plans set totals = totals || '{}'::jsonb where id = $1", [plan.id]);
    await sleep(500);
    expect(heard).toEqual([]);

    await expectData(200, app.client().POST('/v1/plans/{planId}/publish', { params: { path: { planId: plan.id } } }));
    await eventually(() => heard.length > 0);
    expect(heard).toContain('plans');
  });

  it('a plan written as published in one transaction notifies', async () => {
    heard.length = 0;
    await publishPlanWithAllocations(app.services.db, tenant.dropId, [
      { skuId: tenant.skuId, hubId: tenant.hubId, units: 5 },
    ]);
    await eventually(() => heard.includes('plans'));
  });
});
