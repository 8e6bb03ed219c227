import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobQueue } from '../../../src/jobs/queue';
import { RUN_JOB } from '../../../src/modules/jobs/jobs.service';
import { createLogger } from '../../../src/shared/logger';
import { createKey, createTenant } from '../../factories/catalog-factory';
import { createForecastTenant, type ForecastTenant } from '../../factories/forecast-factory';
import { createPlanningScenario } from '../../factories/plan-factory';
import { startTestApp, type TestApp } from '../../harness/test-app';

/**
 * `Prefer: respond-async` (RFC 7240) on the long POSTs: 202 with the job (Location, and
 * Preference-Applied), the same work done in the background, its result linked from the job. Without
 * the preference the answer stays inline.
 */
let app: TestApp;
let tenant: ForecastTenant;
beforeAll(async () => {
  app = await startTestApp();
  tenant = await createForecastTenant(app);
});
afterAll(() => app.close());

const async = { prefer: 'respond-async' };

async function settled(jobId: string, key?: string) {
  let job = (await app.untypedRequest('GET', `/v1/jobs/${jobId}`, { key })).body;
  for (let i = 0; i < 300 && !['succeeded', 'failed'].includes(job.state); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    job = (await app.untypedRequest('GET', `/v1/jobs/${jobId}`, { key })).body;
  }
  return job;
}

describe('Prefer: respond-async', () => {
  it('queues a forecast: 202 with the job, whose result links the stored forecast', async () => {
    const key = tenant.keys.creator;
    const res = await app.untypedRequest('POST', `/v1/drops/${tenant.dropId}/forecasts`, { key, headers: async });
    expect(res.status, res.text).toBe(202);
    expect(res.headers.get('location')).toBe(`/v1/jobs/${res.body.id}`);
    expect(res.headers.get('preference-applied')).toBe('respond-async');
    expect(res.headers.get('vary')).toMatch(/prefer/i);
    expect(res.body).toMatchObject({ kind: 'forecast.run', result_url: null, error: null });
    expect(['queued', 'running', 'succeeded']).toContain(res.body.state);

    const job = await settled(res.body.id, key);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result_url).toBe(`/v1/forecasts/${job.result.forecast_id}`);
    const forecast = await app.untypedRequest('GET', job.result_url, { key });
    expect(forecast.status).toBe(200);
    expect(forecast.body).toMatchObject({ drop_id: tenant.dropId, version: job.result.version });
  });

  it('answers inline without the preference, or with other preferences only; finds it among several', async () => {
    const path = `/v1/drops/${tenant.dropId}/forecasts`;
    expect((await app.untypedRequest('POST', path)).status).toBe(201);
    expect((await app.untypedRequest('POST', path, { headers: { prefer: 'return=minimal' } })).status).toBe(201);
    const among = await app.untypedRequest('POST', path, { headers: { prefer: 'wait=5, Respond-Async; x=1' } });
    expect(among.status, among.text).toBe(202);
    expect((await settled(among.body.id)).state).toBe('succeeded');
  });

  it('is 404 for a drop the key cannot see (no job made); a job of another tenant or unknown is 404', async () => {
    const other = await createTenant(app);
    const otherKey = await createKey(app, { role: 'creator', creator_id: other.creatorId });
    const refused = await app.untypedRequest('POST', `/v1/drops/${tenant.dropId}/forecasts`, {
      key: otherKey,
      headers: async,
    });
    expect(refused.status).toBe(404);
    const mine = await app.untypedRequest('POST', `/v1/drops/${tenant.dropId}/forecasts`, {
      key: tenant.keys.creator,
      headers: async,
    });
    expect(mine.status).toBe(202);
    expect((await app.untypedRequest('GET', `/v1/jobs/${mine.body.id}`, { key: otherKey })).status).toBe(404);
    expect((await app.untypedRequest('GET', `/v1/jobs/${mine.body.id}`, { key: tenant.keys.partner })).status).toBe(
      404,
    );
    expect((await app.untypedRequest('GET', '/v1/jobs/job_unknown')).status).toBe(404);
    await settled(mine.body.id);
  });

  it('queues a plan computation: 202, then the draft plan linked from the job', async () => {
    const scenario = await createPlanningScenario(app);
    const res = await app.untypedRequest('POST', `/v1/drops/${scenario.dropId}/plans`, {
      key: scenario.creatorKey,
      body: { solver: 'fast' },
      headers: async,
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body.kind).toBe('plan.compute');
    const job = await settled(res.body.id, scenario.creatorKey);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result_url).toBe(`/v1/plans/${job.result.plan_id}`);
    const plan = await app.untypedRequest('GET', job.result_url, { key: scenario.creatorKey });
    expect(plan.status).toBe(200);
    expect(plan.body.drop_id).toBe(scenario.dropId);
    // The inline answer is unchanged.
    const inline = await app.untypedRequest('POST', `/v1/drops/${scenario.dropId}/plans`, {
      key: scenario.creatorKey,
      body: { solver: 'fast' },
    });
    expect(inline.status, inline.text).toBe(201);
  });

  it("finishes a job whose first attempt's worker died mid-run (left running) when the queue retries it", async () => {
    const principal = { keyId: 'key-of-a-dead-attempt', role: 'admin' as const };
    const job = await app.services.jobRecords.create(principal, 'forecast.run', { drop_id: tenant.dropId });
    expect(await app.services.jobRecords.start(job.id)).toBe(true);
    // A duplicate first delivery does not run it twice; the retry of a dead attempt does.
    await app.services.jobRecords.execute(job.id);
    expect((await app.untypedRequest('GET', `/v1/jobs/${job.id}`)).body.state).toBe('running');
    await app.services.jobRecords.execute(job.id, true);
    const done = await settled(job.id);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.result_url).toMatch(/^\/v1\/forecasts\//);
  });

  it('through the job queue: a worker runs the queued job (pg-boss job `jobs.run` with the job id)', async () => {
    const queue = createJobQueue(app.services.db, app.services.jobs, createLogger('silent'), {
      workers: true,
      pollSeconds: 0.5,
    });
    await queue.start();
    app.services.jobRecords.useQueue((jobId) => queue.send(RUN_JOB, { jobId }));
    const res = await app.untypedRequest('POST', `/v1/drops/${tenant.dropId}/forecasts`, { headers: async });
    expect(res.status, res.text).toBe(202);
    expect(res.body.state).toBe('queued');
    const job = await settled(res.body.id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const ran = await queue.boss.findJobs(RUN_JOB, { data: { jobId: res.body.id } });
    expect(ran.map((j) => j.state)).toEqual(['completed']);
    await queue.stop();
  });
});
