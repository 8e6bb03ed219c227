import { cp, mkdir, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createForecastService } from '../../../../src/modules/forecast/forecast.service';
import { createLogger } from '../../../../src/shared/logger';
import {
  createForecastTenant,
  expectWellFormedCells,
  seedSignals,
  type ForecastTenant,
} from '../../../factories/forecast-factory';
import { startTestApp, type TestApp } from '../../../harness/test-app';

/** The service pointed at a models folder in a temp dir: broken, incompatible, missing, then repaired. */
let app: TestApp;
let tenant: ForecastTenant;
let modelsDir: string;
const logLines: { level: number; msg: string; code?: string }[] = [];

function serviceFor(dir: string) {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  });
  return createForecastService(app.database.db, {
    catalog: app.services.catalog,
    clock: app.clock,
    logger: createLogger('warn', sink),
    modelsDir: dir,
  });
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
    await mkdir(join(dir, 'nb-mlp-v1'), { recursive: true });
    await writeFile(join(dir, 'nb-mlp-v1', 'model.json'), '{"format": "microfulfil.nb-mlp.layers", "modelTop');
    await writeFile(join(dir, 'nb-mlp-v1', 'weights.bin'), Buffer.from([1, 2, 3]));
    await cp('models/nb-mlp-v1/metadata.json', join(dir, 'nb-mlp-v1', 'metadata.json'));
    const service = serviceFor(dir);
    const forecast = await service.runForecast({ keyId: 't', role: 'admin' }, tenant.dropId);
    expect(forecast).toMatchObject({ model_kind: 'baseline', model_id: 'baseline-preorder-ratio' });
    expect(forecast.summary.fallback_reason).toMatch(/^model_corrupt/);
    // clients see the model as models/<id>, never a server path
    expect(forecast.summary.model_dir).toBe('models/nb-mlp-v1');
    expect(forecast.summary.fallback_reason).not.toContain(dir);
    expectWellFormedCells(forecast.cells);
    const again = await service.runForecast({ keyId: 't', role: 'admin' }, tenant.dropId);
    expect(again.model_kind).toBe('baseline');
    const warnings = logLines.filter((l) => l.code === 'model_corrupt');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain('falling back to the baseline model');
  });

  it('falls back when the model was built for other features (incompatible) or is missing', async () => {
    const dir = join(modelsDir, 'incompatible');
    await cp('models/nb-mlp-v1', join(dir, 'nb-mlp-v1'), { recursive: true });
    const meta = JSON.parse(await readFile(join(dir, 'nb-mlp-v1', 'metadata.json'), 'utf8'));
    await writeFile(
      join(dir, 'nb-mlp-v1', 'metadata.json'),
      JSON.stringify({ ...meta, features: meta.features.slice(1) }),
    );
    const incompatible = await serviceFor(dir).runForecast({ keyId: 't', role: 'admin' }, tenant.dropId);
    expect(incompatible.model_kind).toBe('baseline');
    expect(incompatible.summary.fallback_reason).toMatch(/^model_incompatible/);

    const missing = await serviceFor(join(modelsDir, 'empty')).runForecast(
      { keyId: 't', role: 'admin' },
      tenant.dropId,
    );
    expect(missing.model_kind).toBe('baseline');
    expect(missing.summary.fallback_reason).toMatch(/^model_missing/);
  });

  it('picks the repaired model up without a restart once its files change', async () => {
    const dir = join(modelsDir, 'repaired');
    await mkdir(join(dir, 'nb-mlp-v1'), { recursive: true });
    await writeFile(join(dir, 'nb-mlp-v1', 'model.json'), 'not json');
    const service = serviceFor(dir);
    expect((await service.runForecast({ keyId: 't', role: 'admin' }, tenant.dropId)).model_kind).toBe('baseline');
    await cp('models/nb-mlp-v1', join(dir, 'nb-mlp-v1'), { recursive: true });
    const repaired = await service.runForecast({ keyId: 't', role: 'admin' }, tenant.dropId);
    expect(repaired).toMatchObject({ model_kind: 'nb-mlp', model_id: 'nb-mlp-v1' });
    expect(repaired.summary.fallback_reason).toBeNull();
    await service.models.dispose();
  });
});
