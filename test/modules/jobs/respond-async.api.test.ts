import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobQueue } from '../../../src/jobs/queue';
import { RUN_JOB } from '../../../src/modules/jobs/jobs.service';
import { createLogger } from '../../../src/shared/logger';
import { createKey, createTenant } from '../../factories/catalog-factory';
import { createForecastTenant, type ForecastTenant } from '../../factories/forecast-factory';
import { createPlanningScenario } from '../../factories/plan-factory';
import type { Schemas } from '../../../src/client';
import { answer, expectData, statusOf } from '../../harness/answers';
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

const readJob = (jobId: string, key?: string) =>
  expectData(200, app.client(key).GET('/v1/jobs/{jobId}', { params: { path: { jobId } } }));

async function settled(jobId: string, key?: string): Promise<Schemas['Job']> {
  let job = await readJob(jobId, key);
  for (let i = 0; i < 300 && !['succeeded', 'failed'].includes(job.state); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    job = await readJob(jobId, key);
  }
  return job;
}

/** POST /v1/drops/{dropId}/forecasts as `key` (the admin by default), with these headers. */
const runForecast = (dropId: string, options: { key?: string; headers?: Record<string, string> } = {}) =>
  answer(
    app.client(options.key).POST('/v1/drops/{dropId}/forecasts', {
      params: { path: { dropId } },
      headers: options.headers,
    }),
  );

describe('Prefer: respond-async', () => {
  it('queues a forecast: 202 with the job, whose result links the stored forecast', async () => {
    const key = tenant.keys.creator;
    const res = await runForecast(tenant.dropId, { key, headers: async });
    expect(res.status, res.text).toBe(202);
    expect(res.headers.get('location')).toBe(`/v1/jobs/${res.job!.id}`);
    expect(res.headers.get('preference-applied')).toBe('respond-async');
    expect(res.headers.get('vary')).toMatch(/prefer/i);
    expect(res.job).toMatchObject({ kind: 'forecast.run', result_url: null, error: null });
    expect(['queued', 'running', 'succeeded']).toContain(res.job!.state);

    const job = await settled(res.job!.id, key);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const forecastId = String(job.result!.forecast_id);
    expect(job.result_url).toBe(`/v1/forecasts/${forecastId}`);
    // The result link, read through the typed client (the line above proves it names this forecast).
    const forecast = await answer(
      app.client(key).GET('/v1/forecasts/{forecastId}', { params: { path: { forecastId } } }),
    );
    expect(forecast.status).toBe(200);
    expect(forecast.data).toMatchObject({ drop_id: tenant.dropId, version: job.result!.version });
  });

  it('answers inline without the preference, or with other preferences only; finds it among several', async () => {
    expect((await runForecast(tenant.dropId)).status).toBe(201);
    expect((await runForecast(tenant.dropId, { headers: { prefer: 'return=minimal' } })).status).toBe(201);
    const among = await runForecast(tenant.dropId, { headers: { prefer: 'wait=5, Respond-Async; x=1' } });
    expect(among.status, among.text).toBe(202);
    expect((await settled(among.job!.id)).state).toBe('succeeded');
  });

  it('is 404 for a drop the key cannot see (no job made); a job of another tenant or unknown is 404', async () => {
    const other = await createTenant(app);
    const otherKey = await createKey(app, { role: 'creator', creator_id: other.creatorId });
    const refused = await runForecast(tenant.dropId, { key: otherKey, headers: async });
    expect(refused.status).toBe(404);
    const mine = await runForecast(tenant.dropId, { key: tenant.keys.creator, headers: async });
    expect(mine.status).toBe(202);
    const jobStatus = (jobId: string, key?: string) =>
      statusOf(app.client(key).GET('/v1/jobs/{jobId}', { params: { path: { jobId } } }));
    expect(await jobStatus(mine.job!.id, otherKey)).toBe(404);
    expect(await jobStatus(mine.job!.id, tenant.keys.partner)).toBe(404);
    expect(await jobStatus('job_unknown')).toBe(404);
    await settled(mine.job!.id);
  });

  it('queues a plan computation: 202, then the draft plan linked from the job', async () => {
    const scenario = await createPlanningScenario(app);
    const api = app.client(scenario.creatorKey);
    const computePlan = (headers?: Record<string, string>) =>
      answer(
        api.POST('/v1/drops/{dropId}/plans', {
          params: { path: { dropId: scenario.dropId } },
          body: { solver: 'fast' },
          headers,
        }),
      );
    const res = await computePlan(async);
    expect(res.status, res.text).toBe(202);
    expect(res.job!.kind).toBe('plan.compute');
    const job = await settled(res.job!.id, scenario.creatorKey);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const planId = String(job.result!.plan_id);
    expect(job.result_url).toBe(`/v1/plans/${planId}`);
    // The result link, read through the typed client (the line above proves it names this plan).
    const plan = await answer(api.GET('/v1/plans/{planId}', { params: { path: { planId } } }));
    expect(plan.status).toBe(200);
    expect(plan.data?.drop_id).toBe(scenario.dropId);
    // The inline answer is unchanged.
    const inline = await computePlan();
    expect(inline.status, inline.text).toBe(201);
  });

  it("finishes a job whose first attempt's worker died mid-run (left running) when the queue retries it", async () => {
    const principal = { keyId: 'key-of-a-dead-attempt', role: 'admin' as const };
    const job = await app.services.jobRecords.create(principal, 'forecast.run', { drop_id: tenant.dropId });
    expect(await app.services.jobRecords.start(job.id)).toBe(true);
    // A duplicate first delivery does not run it twice; the retry of a dead attempt does.
    await app.services.jobRecords.execute(job.id);
    expect((await readJob(job.id)).state).toBe('running');
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
    const res = await runForecast(tenant.dropId, { headers: async });
    expect(res.status, res.text).toBe(202);
    expect(res.job!.state).toBe('queued');
    const job = await settled(res.job!.id);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const ran = await queue.boss.findJobs(RUN_JOB, { data: { jobId: res.job!.id } });
    expect(ran.map((j) => j.state)).toEqual(['completed']);
    await queue.stop();
  });
});
