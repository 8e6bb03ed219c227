import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLabelledRows } from '../../../src/modules/forecast/core/dataset';
import { HistoryIndex } from '../../../src/modules/forecast/core/features';
import { ModelLoadError } from '../../../src/modules/forecast/core/model-errors';
import { servable } from '../../../src/modules/forecast/core/model-registry';
import { fileModelStorage as fsStore } from '../../../src/modules/forecast/model-files';
import { loadNbModel, saveNbModel } from '../../../src/modules/forecast/model-folder';
import {
  lgammaTensor,
  nbNegLogLik,
  trainNbMlp,
  type NbMlpModel,
} from '../../../src/modules/forecast/core/nb-mlp-model';
import { nbLogPmf } from '../../../src/modules/forecast/core/negative-binomial';
import { lgammaJs } from '../../../src/modules/forecast/core/rng';
import { simulateHistory } from '../../../src/modules/forecast/core/simulate-history';
import { ensureTf, tf } from '../../../src/modules/forecast/core/tf-runtime';

const history = simulateHistory({ drops: 30, regions: 8, creators: 4, newCreators: 1, spanDays: 240, seed: 99 });
const data = buildLabelledRows(history.drops, new HistoryIndex(history.drops));
const TINY = { epochs: 2, hidden: [8], batchSize: 256, seed: 5 };
const AT = '2026-01-01T00:00:00.000Z';

let model: NbMlpModel;
let dir: string;

beforeAll(async () => {
  await ensureTf();
  model = await trainNbMlp({ rows: data.rows, demand: data.demand }, TINY, { id: 'test-model', createdAt: AT });
  dir = await mkdtemp(join(tmpdir(), 'nb-model-'));
  await saveNbModel(model, fsStore, join(dir, 'good'));
});

afterAll(async () => {
  model?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function copyModel(name: string): Promise<string> {
  const target = join(dir, name);
  const { cp } = await import('node:fs/promises');
  await cp(join(dir, 'good'), target, { recursive: true });
  return target;
}

async function expectRefused(path: string, code: string): Promise<void> {
  const err = await loadNbModel(fsStore, path).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ModelLoadError);
  expect((err as ModelLoadError).code).toBe(code);
}

describe('NB head maths', () => {
  it('lgamma as tensor ops matches the JS Lanczos lgamma', () => {
    const xs = [0.05, 0.5, 1, 2.5, 10, 123.4, 5000];
    const got = tf.tidy(() => Array.from(lgammaTensor(tf.tensor1d(xs)).dataSync()));
    xs.forEach((x, i) => expect(got[i]).toBeCloseTo(lgammaJs(x), Math.abs(lgammaJs(x)) > 1000 ? 0 : 3));
  });

  it('the NB negative log-likelihood equals −log pmf up to log y!', () => {
    const y = [0, 3, 17];
    const mu = [2, 4, 20];
    const alpha = [0.5, 0.1, 1.2];
    const got = tf.tidy(
      () =>
        nbNegLogLik(
          tf.tensor1d(mu.map(Math.log)),
          tf.tensor1d(alpha.map(Math.log)),
          tf.tensor1d(y),
        ).dataSync()[0] as number,
    );
    const want =
      y.reduce((s, yi, i) => s - (nbLogPmf(yi, mu[i] as number, alpha[i] as number) + lgammaJs(yi + 1)), 0) / y.length;
    expect(got).toBeCloseTo(want, 3);
  });
});

describe('weighted rows (the simulated prior mixed in at a stated weight)', () => {
  it('the loss is Σ w·nll / Σ w: weight 0 drops a row, weight 2 counts it twice', () => {
    const nll = (y: number[], mu: number[], alpha: number[], w?: number[]) =>
      tf.tidy(
        () =>
          nbNegLogLik(
            tf.tensor1d(mu.map(Math.log)),
            tf.tensor1d(alpha.map(Math.log)),
            tf.tensor1d(y),
            w ? tf.tensor1d(w) : undefined,
          ).dataSync()[0] as number,
      );
    const [y, mu, alpha] = [
      [0, 3, 17],
      [2, 4, 20],
      [0.5, 0.1, 1.2],
    ];
    expect(nll(y, mu, alpha, [1, 0, 1])).toBeCloseTo(nll([0, 17], [2, 20], [0.5, 1.2]), 5);
    expect(nll(y, mu, alpha, [2, 1, 1])).toBeCloseTo(nll([0, 0, 3, 17], [2, 2, 4, 20], [0.5, 0.5, 0.1, 1.2]), 5);
    expect(nll(y, mu, alpha, [1, 1, 1])).toBeCloseTo(nll(y, mu, alpha), 6);
  });
});

describe('NB-MLP model', () => {
  it('is deterministic given its seed', async () => {
    const again = await trainNbMlp({ rows: data.rows, demand: data.demand }, TINY, { createdAt: AT });
    const a = model.predictParams(data.rows.slice(0, 50));
    const b = again.predictParams(data.rows.slice(0, 50));
    again.dispose();
    expect(b).toEqual(a);
  });

  it('forecasts are never below pre-orders and quantiles never cross', () => {
    const out = model.predict(data.rows);
    out.forEach((d, i) => {
      expect(d.quantiles[0]).toBeGreaterThanOrEqual((data.rows[i] as { preorders: number }).preorders);
      d.quantiles.forEach((q, j) => j > 0 && expect(q).toBeGreaterThanOrEqual(d.quantiles[j - 1] as number));
    });
  });

  it('round-trips through model.json + weights.bin + metadata.json', async () => {
    const loaded = await loadNbModel(fsStore, join(dir, 'good'));
    expect(loaded.metadata.id).toBe('test-model');
    expect(loaded.metadata.standardiser).toEqual(model.metadata.standardiser);
    expect(loaded.predict(data.rows.slice(0, 200))).toEqual(model.predict(data.rows.slice(0, 200)));
    loaded.dispose();
  });

  it('refuses a missing model', async () => {
    await expectRefused(join(dir, 'nope'), 'model_missing');
  });

  it('refuses truncated weights', async () => {
    const p = await copyModel('truncated');
    const w = await readFile(join(p, 'weights.bin'));
    await writeFile(join(p, 'weights.bin'), w.subarray(0, w.length - 8));
    await expectRefused(p, 'model_corrupt');
  });

  it('refuses weights whose bytes changed (checksum)', async () => {
    const p = await copyModel('flipped');
    const w = Buffer.from(await readFile(join(p, 'weights.bin')));
    w[10] = (w[10] as number) ^ 0xff;
    await writeFile(join(p, 'weights.bin'), w);
    await expectRefused(p, 'model_corrupt');
  });

  it('refuses a model.json that is not JSON', async () => {
    const p = await copyModel('garbage');
    await writeFile(join(p, 'model.json'), '{"format": "microfulfil.nb-mlp.lay');
    await expectRefused(p, 'model_corrupt');
  });

  it('refuses a model trained on other features', async () => {
    const p = await copyModel('other-features');
    const meta = JSON.parse(await readFile(join(p, 'metadata.json'), 'utf8'));
    meta.features = [...meta.features.slice(1), 'something_else'];
    await writeFile(join(p, 'metadata.json'), JSON.stringify(meta));
    await expectRefused(p, 'model_incompatible');
  });

  it('refuses another format version', async () => {
    const p = await copyModel('future');
    const meta = JSON.parse(await readFile(join(p, 'metadata.json'), 'utf8'));
    meta.formatVersion = 99;
    await writeFile(join(p, 'metadata.json'), JSON.stringify(meta));
    await expectRefused(p, 'model_incompatible');
  });
});

describe('which models may serve', () => {
  const scores = (pinball: number) => ({ wape: 0.2, scaledPinball: pinball, coverage80: 0.8, rows: 10 });
  const record = (nb: number, base: number) => ({
    byLead: {},
    pooled: { baseline: scores(base), 'nb-mlp': scores(nb), oracle: scores(0.01) },
    beatsBaseline: nb < base,
    evaluatedAt: '2024-01-01T00:00:00Z',
    testDrops: 5,
  });

  it('an NB model only with a recorded backtest that beats the baseline pinball', () => {
    expect(servable(null).ok).toBe(false);
    expect(servable({ backtest: null }).ok).toBe(false);
    expect(servable({ backtest: record(0.05, 0.08) }).ok).toBe(true);
    expect(servable({ backtest: record(0.09, 0.08) }).ok).toBe(false);
  });

  it('records the creation instant it is given and reads no clock', () => {
    expect(model.metadata.createdAt).toBe(AT);
    expect(model.metadata.training.seconds).toBe(0);
  });
});
