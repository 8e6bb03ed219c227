import { cp, mkdir, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_MODEL_ID } from '../../../../src/modules/forecast/core/model-registry';
import { createLogger } from '../../../../src/shared/logger';
import {
  createForecastTenant,
  expectWellFormedCells,
  seedSignals,
  servicesOn,
  type ForecastTenant,
} from '../../../factories/forecast-factory';
import { startTestApp, type TestApp } from '../../../harness/test-app';

/** The service pointed at a models folder in a temp dir: broken, incompatible, missing, then repaired. */
let app: TestApp;
let tenant: ForecastTenant;
let modelsDir: string;
const logLines: { level: number; msg: string; code?: string }[] = [];
const SHIPPED = `models/${SHIPPED_MODEL_ID}`;

function serviceFor(dir: string) {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  return servicesOn(app, { modelsDir: dir, logger: createLogger('warn', sink) });
}

beforeAll(async () => {
  app = await startTestApp();
  tenant = await createForecastTenant(app);
  await seedSignals(app, tenant);
  modelsDir = await mkdtemp(join(tmpdir(), 'mf-models-'));
});
afterAll(async () => {
  await rm(modelsDir, { recursive: true, force: true });
  await app.close();
});

describe('a saved model that cannot be used', () => {
  it('falls back to the baseline when the model file is corrupt, with one clear warning', async () => {
    const dir = join(modelsDir, 'corrupt');
    await mkdir(join(dir, SHIPPED_MODEL_ID), { recursive: true });
    await writeFile(join(dir, SHIPPED_MODEL_ID, 'model.json'), '{"format": "microfulfil.nb-mlp.layers", "modelTop');
    await writeFile(join(dir, SHIPPED_MODEL_ID, 'weights.bin'), Buffer.from([1, 2, 3]));
    await cp(`${SHIPPED}/metadata.json`, join(dir, SHIPPED_MODEL_ID, 'metadata.json'));
    const { forecast } = serviceFor(dir);
    const run = await forecast.runForecast({ keyId: 't', role: 'admin' }, tenant.dropId);
    expect(run).toMatchObject({ model_kind: 'baseline', model_id: 'baseline' });
    expect(run.summary.fallback_reason).toMatch(/^model_corrupt/);
    // clients see the model as models/<id>, never a server path
    expect(run.summary.model_dir).toBe(SHIPPED);
    expect(run.summary.fallback_reason).not.toContain(dir);
    expectWellFormedCells(run.cells);
    const again = await forecast.runForecast({ keyId: 't', role: 'admin' }, tenant.dropId);
    expect(again.model_kind).toBe('baseline');
    const warnings = logLines.filter((l) => l.code === 'model_corrupt');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('falling back to the baseline model');
  });

  it('falls back when the model was built for other features (incompatible) or is missing', async () => {
    const dir = join(modelsDir, 'incompatible');
    await cp(SHIPPED, join(dir, SHIPPED_MODEL_ID), { recursive: true });
    const meta = JSON.parse(await readFile(join(dir, SHIPPED_MODEL_ID, 'metadata.json'), 'utf8'));
    await writeFile(
      join(dir, SHIPPED_MODEL_ID, 'metadata.json'),
      JSON.stringify({ ...meta, features: meta.features.slice(1) }),
    );
    const incompatible = await serviceFor(dir).forecast.runForecast({ keyId: 't', role: 'admin' }, tenant.dropId);
    expect(incompatible.model_kind).toBe('baseline');
    expect(incompatible.summary.fallback_reason).toMatch(/^model_incompatible/);

    const missing = await serviceFor(join(modelsDir, 'empty')).forecast.runForecast(
      { keyId: 't', role: 'admin' },
      tenant.dropId,
    );
    expect(missing.model_kind).toBe('baseline');
    expect(missing.summary.fallback_reason).toMatch(/^model_missing/);
  });

  it('picks the repaired model up without a restart once its files change', async () => {
    const dir = join(modelsDir, 'repaired');
    await mkdir(join(dir, SHIPPED_MODEL_ID), { recursive: true });
    await writeFile(join(dir, SHIPPED_MODEL_ID, 'model.json'), 'not json');
    await cp(`${SHIPPED}/metadata.json`, join(dir, SHIPPED_MODEL_ID, 'metadata.json'));
    const services = serviceFor(dir);
    expect((await services.forecast.runForecast({ keyId: 't', role: 'admin' }, tenant.dropId)).model_kind).toBe(
      'baseline',
    );
    await cp(SHIPPED, join(dir, SHIPPED_MODEL_ID), { recursive: true });
    const repaired = await services.forecast.runForecast({ keyId: 't', role: 'admin' }, tenant.dropId);
    expect(repaired).toMatchObject({ model_kind: 'nb-mlp', model_id: SHIPPED_MODEL_ID });
    expect(repaired.summary.fallback_reason).toBeNull();
    await services.stop();
  });
});
