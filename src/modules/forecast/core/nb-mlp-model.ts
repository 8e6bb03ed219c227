/**
 * A global demand model across all drops and regions: a small MLP on standardised features with a
 * negative-binomial head. It models the demand still to come, Z = Y − pre-orders (pre-orders are
 * part of demand), as NB(μ, α) with outputs (log μ, log α), trained by minimising the NB negative
 * log-likelihood. The forecast of Y is pre-orders + NB quantiles, so it is never below the
 * pre-orders already placed, never negative, and its quantiles never cross.
 *
 * Deterministic given `seed`: seeded initialisers and a seeded (mulberry32) batch order. Reads no
 * clock: the caller passes the creation instant and, if it wants the fit timed, a stopwatch.
 */
import { fitStandardiser, FEATURE_COUNT, FEATURE_NAMES, standardise, type Standardiser } from './features';
import type { DemandDistribution, DemandModel, FeatureRow } from './forecast-types';
import { shiftedNbDistribution } from './negative-binomial';
import { deriveSeed, mulberry32, shuffleInPlace } from './rng';
import { ensureTf, tf } from './tf-runtime';

export const NB_MLP_FORMAT_VERSION = 2;

export interface NbMlpConfig {
  hidden: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** share of the latest training rows held out to pick the best epoch (0 = none) */
  validationShare: number;
}

export const DEFAULT_NB_MLP_CONFIG: NbMlpConfig = {
  hidden: [32, 16],
  epochs: 20,
  batchSize: 1024,
  learningRate: 0.005,
  seed: 7,
  validationShare: 0.1,
};

/** Bounds on the head's outputs: keep exp() finite and the dispersion sane. */
const LOG_MU_RANGE: [number, number] = [-9, 13];
const LOG_ALPHA_RANGE: [number, number] = [-7, 2.5];

export interface RecordedScores {
  wape: number;
  scaledPinball: number;
  coverage80: number;
  rows: number;
}

export interface BacktestRecord {
  /** scores per model per lead ("7", "3", "1"), as written to reports/backtest.json */
  byLead: Record<string, Record<string, RecordedScores>>;
  pooled: Record<string, RecordedScores>;
  /** the model's recipe beat the baseline's pooled scaled pinball on this backtest */
  beatsBaseline: boolean;
  evaluatedAt: string;
  testDrops: number;
  /** the model then serving, scored frozen on the test drops it had not been trained on */
  incumbent?: {
    modelId: string;
    testDrops: number;
    /** pooled scores of the incumbent and of this model on those drops (null when there were none) */
    incumbent: RecordedScores | null;
    candidate: RecordedScores | null;
    /** this model's pooled scaled pinball ≤ the incumbent's there (true when nothing to compare) */
    beatsIncumbent: boolean;
  };
}

/** Where the history features of a model come from, at training and (the same) at serving. */
export interface HistoryPopulation {
  /** the service's demand_history (imported and closed drops) */
  demandHistory: boolean;
  /** the shipped simulated history, placed before the user's drops */
  prior: boolean;
}

/** What a model was trained on, for the registry's listing and for rebuilding its population. */
export interface TrainingDataSummary {
  source: 'demand_history' | 'file' | 'simulated';
  /** the file trained from (source "file" or "simulated") */
  file?: string | null;
  filters: { creatorId: string | null; from: string | null; to: string | null };
  /** weight of each simulated prior row in the loss (0 = not mixed in) */
  priorWeight: number;
  ownDrops: number;
  priorDrops: number;
  /** shares of the own drops that had social signals / token holders at some lead */
  withSocial: number;
  withTokenHolders: number;
  population: HistoryPopulation;
}

export interface NbMlpMetadata {
  formatVersion: number;
  id: string;
  kind: 'nb-mlp';
  version: string;
  createdAt: string;
  features: string[];
  standardiser: Standardiser;
  config: NbMlpConfig;
  training: {
    rows: number;
    drops: number;
    data?: TrainingDataSummary;
    firstOpen: string | null;
    lastClose: string | null;
    totalDemand: number;
    seconds: number;
    bestEpoch: number;
    trainLoss: number;
    validationLoss: number | null;
  };
  /** hex SHA-256 of weights.bin, checked at load */
  weightsSha256?: string;
  backtest: BacktestRecord | null;
}

/** log Γ(x) for x > 0 as tensor ops: shift by 6, then Stirling's series (abs. error < 1e-9). */
export function lgammaTensor(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const prod = x.mul(x.add(1)).mul(x.add(2)).mul(x.add(3)).mul(x.add(4)).mul(x.add(5));
    const z = x.add(6);
    const zi = z.reciprocal();
    const zi2 = zi.square();
    const series = zi.mul(tf.scalar(1 / 12).sub(zi2.mul(tf.scalar(1 / 360).sub(zi2.mul(1 / 1260)))));
    return z
      .sub(0.5)
      .mul(z.log())
      .sub(z)
      .add(0.5 * Math.log(2 * Math.PI))
      .add(series)
      .sub(prod.log());
  });
}

/**
 * Mean NB negative log-likelihood (without the constant log y!) of counts y under
 * (log μ, log α): −[lnΓ(y+r) − lnΓ(r) − r·ln(1+αμ) + y·(ln μ + ln α − ln(1+αμ))], r = 1/α.
 */
export function nbNegLogLik(logMu: tf.Tensor, logAlpha: tf.Tensor, y: tf.Tensor, weight?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const a = logMu.clipByValue(LOG_MU_RANGE[0], LOG_MU_RANGE[1]);
    const b = logAlpha.clipByValue(LOG_ALPHA_RANGE[0], LOG_ALPHA_RANGE[1]);
    const r = b.neg().exp();
    const log1pAlphaMu = tf.softplus(a.add(b));
    const ll = lgammaTensor(y.add(r))
      .sub(lgammaTensor(r))
      .sub(r.mul(log1pAlphaMu))
      .add(y.mul(a.add(b).sub(log1pAlphaMu)));
    // Weighted rows (the simulated prior mixed in at a stated weight): Σ w·nll / Σ w.
    return (weight ? ll.mul(weight).neg().sum().div(weight.sum()) : ll.neg().mean()) as tf.Scalar;
  });
}

function buildNetwork(config: NbMlpConfig, initialLogMu: number): tf.Sequential {
  const model = tf.sequential();
  config.hidden.forEach((units, i) => {
    model.add(
      tf.layers.dense({
        units,
        activation: 'elu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(config.seed, `dense${i}`) }),
        biasInitializer: 'zeros',
        ...(i === 0 && { inputShape: [FEATURE_COUNT] }),
      }),
    );
  });
  model.add(
    tf.layers.dense({
      units: 2,
      activation: 'linear',
      kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: 0.01, seed: deriveSeed(config.seed, 'head') }),
      biasInitializer: 'zeros',
      ...(config.hidden.length === 0 && { inputShape: [FEATURE_COUNT] }),
    }),
  );
  const head = model.layers[model.layers.length - 1] as tf.layers.Layer;
  const [kernel] = head.getWeights();
  head.setWeights([kernel as tf.Tensor, tf.tensor1d([initialLogMu, Math.log(0.3)])]);
  return model;
}

/** The tfjs NB model behind the `DemandModel` interface. */
export class NbMlpModel implements DemandModel {
  readonly kind = 'nb-mlp' as const;

  constructor(
    readonly network: tf.LayersModel,
    readonly metadata: NbMlpMetadata,
  ) {}

  get id(): string {
    return this.metadata.id;
  }

  /** NB parameters of the remaining demand per row (μ, α). */
  predictParams(rows: readonly FeatureRow[]): { mu: number; alpha: number }[] {
    if (rows.length === 0) return [];
    const x = standardise(rows, this.metadata.standardiser);
    const out = tf.tidy(() => {
      const pred = this.network.predict(tf.tensor2d(x, [rows.length, FEATURE_COUNT]), { batchSize: 8192 }) as tf.Tensor;
      return pred.dataSync() as Float32Array;
    });
    const clip = (v: number, [lo, hi]: [number, number]): number => Math.min(hi, Math.max(lo, v));
    return rows.map((_, i) => ({
      mu: Math.exp(clip(out[2 * i] as number, LOG_MU_RANGE)),
      alpha: Math.exp(clip(out[2 * i + 1] as number, LOG_ALPHA_RANGE)),
    }));
  }

  predict(rows: FeatureRow[]): DemandDistribution[] {
    const params = this.predictParams(rows);
    return rows.map((row, i) => {
      const p = params[i] as { mu: number; alpha: number };
      return shiftedNbDistribution(row.preorders, p.mu, p.alpha);
    });
  }

  dispose(): void {
    this.network.dispose();
  }
}

export interface TrainInput {
  rows: readonly FeatureRow[];
  demand: readonly number[];
  /** per-row weight in the loss (default 1) */
  weights?: readonly number[];
  /** summary of the drops behind the rows, for metadata */
  summary?: { drops: number; firstOpen: string | null; lastClose: string | null; data?: TrainingDataSummary };
}

/** How a fit is run: its id, the creation instant, progress and timing (no clock read inside). */
export interface TrainRun {
  id?: string;
  /** ISO 8601 instant recorded as the model's createdAt */
  createdAt: string;
  onProgress?: (p: TrainProgress) => void;
  /** milliseconds from any fixed origin (e.g. performance.now), to time the fit; absent: 0 s */
  stopwatch?: () => number;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss: number;
}

/**
 * Train the NB-MLP. Rows are expected in time order (the last `validationShare` rows, the latest
 * drops, pick the best epoch). Calls `onProgress` after every batch.
 */
export async function trainNbMlp(
  input: TrainInput,
  partialConfig: Partial<NbMlpConfig>,
  run: TrainRun,
): Promise<NbMlpModel> {
  await ensureTf();
  const config: NbMlpConfig = { ...DEFAULT_NB_MLP_CONFIG, ...partialConfig };
  const { onProgress, id = 'nb-mlp' } = run;
  const started = run.stopwatch?.() ?? 0;
  const n = input.rows.length;
  if (n === 0) throw new RangeError('cannot train on an empty history');
  const nVal = config.validationShare > 0 ? Math.floor(n * config.validationShare) : 0;
  const nTrain = n - nVal;
  const trainRows = input.rows.slice(0, nTrain);
  const standardiser = fitStandardiser(trainRows);
  const xAll = standardise(input.rows, standardiser);
  const zAll = new Float32Array(n);
  for (let i = 0; i < n; i++)
    zAll[i] = Math.max(0, (input.demand[i] as number) - (input.rows[i] as FeatureRow).preorders);
  let zMean = 0;
  for (let i = 0; i < nTrain; i++) zMean += zAll[i] as number;
  zMean = Math.max(zMean / nTrain, 0.1);

  const network = buildNetwork(config, Math.log(zMean));
  const optimizer = tf.train.adam(config.learningRate);
  const xTrain = tf.tensor2d(xAll.subarray(0, nTrain * FEATURE_COUNT), [nTrain, FEATURE_COUNT]);
  const zTrain = tf.tensor1d(zAll.subarray(0, nTrain));
  const xVal = nVal ? tf.tensor2d(xAll.subarray(nTrain * FEATURE_COUNT), [nVal, FEATURE_COUNT]) : null;
  const zVal = nVal ? tf.tensor1d(zAll.subarray(nTrain)) : null;
  const weighted = input.weights !== undefined && input.weights.some((w) => w !== 1);
  const wAll = weighted ? Float32Array.from(input.weights as readonly number[]) : null;
  const wTrain = wAll ? tf.tensor1d(wAll.subarray(0, nTrain)) : null;
  const wVal = wAll && nVal ? tf.tensor1d(wAll.subarray(nTrain)) : null;
  const rng = mulberry32(deriveSeed(config.seed, 'batches'));
  const order = Array.from({ length: nTrain }, (_, i) => i);
  const batches = Math.ceil(nTrain / config.batchSize);
  const lossOf = (x: tf.Tensor, z: tf.Tensor, w?: tf.Tensor): tf.Scalar => {
    const out = network.apply(x, { training: true }) as tf.Tensor2D;
    const [a, b] = tf.split(out, 2, 1) as [tf.Tensor, tf.Tensor];
    return nbNegLogLik(a.reshape([-1]), b.reshape([-1]), z, w);
  };
  let best = { epoch: 0, val: Number.POSITIVE_INFINITY, train: Number.NaN, weights: null as tf.Tensor[] | null };
  try {
    for (let epoch = 1; epoch <= config.epochs; epoch++) {
      shuffleInPlace(rng, order);
      let epochLoss = 0;
      for (let bi = 0; bi < batches; bi++) {
        const idx = tf.tensor1d(order.slice(bi * config.batchSize, (bi + 1) * config.batchSize), 'int32');
        const loss = optimizer.minimize(
          () => lossOf(tf.gather(xTrain, idx), tf.gather(zTrain, idx), wTrain ? tf.gather(wTrain, idx) : undefined),
          true,
        ) as tf.Scalar;
        const lv = (await loss.data())[0] as number;
        loss.dispose();
        idx.dispose();
        epochLoss += lv;
        onProgress?.({ epoch, epochs: config.epochs, batch: bi + 1, batches, loss: lv });
      }
      epochLoss /= batches;
      const val =
        xVal && zVal ? tf.tidy(() => lossOf(xVal, zVal, wVal ?? undefined).dataSync()[0] as number) : epochLoss;
      if (val < best.val) {
        best.weights?.forEach((w) => w.dispose());
        best = { epoch, val, train: epochLoss, weights: network.getWeights().map((w) => w.clone()) };
      }
    }
    if (best.weights) network.setWeights(best.weights);
  } finally {
    best.weights?.forEach((w) => w.dispose());
    optimizer.dispose();
    xTrain.dispose();
    zTrain.dispose();
    xVal?.dispose();
    zVal?.dispose();
    wTrain?.dispose();
    wVal?.dispose();
  }
  const totalDemand = input.demand.reduce((a, b) => a + b, 0);
  const metadata: NbMlpMetadata = {
    formatVersion: NB_MLP_FORMAT_VERSION,
    id,
    kind: 'nb-mlp',
    version: '2.0.0',
    createdAt: run.createdAt,
    features: [...FEATURE_NAMES],
    standardiser,
    config,
    training: {
      rows: n,
      drops: input.summary?.drops ?? 0,
      firstOpen: input.summary?.firstOpen ?? null,
      lastClose: input.summary?.lastClose ?? null,
      ...(input.summary?.data && { data: input.summary.data }),
      totalDemand,
      seconds: Number((((run.stopwatch?.() ?? 0) - started) / 1000).toFixed(2)),
      bestEpoch: best.epoch,
      trainLoss: Number(best.train.toFixed(5)),
      validationLoss: xVal ? Number(best.val.toFixed(5)) : null,
    },
    backtest: null,
  };
  return new NbMlpModel(network, metadata);
}
