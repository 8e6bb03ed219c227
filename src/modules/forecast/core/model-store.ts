/**
 * Saving and loading the NB-MLP: the only file I/O of the forecasting core, each function taking
 * a directory path. Layout of `models/<id>/`:
 *   model.json     tfjs layers topology + weights manifest (paths: ["weights.bin"])
 *   weights.bin    float32 weights
 *   metadata.json  NbMlpMetadata: version, features, standardisation, training summary, backtest
 * Uses tf.io.withSaveHandler / tf.io.fromMemory (file:// handlers need tfjs-node).
 * Anything missing, unreadable, inconsistent or built for other features is refused with a
 * `ModelLoadError` so the caller can fall back to the baseline.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FEATURE_COUNT, FEATURE_NAMES } from './features';
import { ModelLoadError } from './model-errors';
import { NB_MLP_FORMAT_VERSION, NbMlpModel, type BacktestRecord, type NbMlpMetadata } from './nb-mlp-model';
import { ensureTf, tf } from './tf-runtime';

const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';
const METADATA_FILE = 'metadata.json';
const MODEL_JSON_FORMAT = 'microfulfil.nb-mlp.layers';

interface StoredModelJson {
  format: string;
  generatedBy: string;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Save the model to `dir` (created if needed). Returns the metadata written. */
export async function saveNbModel(model: NbMlpModel, dir: string): Promise<NbMlpMetadata> {
  await ensureTf();
  await mkdir(dir, { recursive: true });
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.network.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts as tf.io.ModelArtifacts | null;
  if (!a || !a.modelTopology || !a.weightSpecs || !a.weightData) throw new Error('tfjs produced no model artifacts');
  const weights = new Uint8Array(tf.io.concatenateArrayBuffers(a.weightData));
  const modelJson: StoredModelJson = {
    format: MODEL_JSON_FORMAT,
    generatedBy: `tfjs ${tf.version.tfjs}`,
    modelTopology: a.modelTopology as object,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: a.weightSpecs }],
  };
  const metadata: NbMlpMetadata = { ...model.metadata, weightsSha256: sha256(weights) };
  await writeAtomic(join(dir, WEIGHTS_FILE), weights);
  await writeAtomic(join(dir, MODEL_FILE), JSON.stringify(modelJson));
  await writeAtomic(join(dir, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
  return metadata;
}

async function readOrRefuse(dir: string, file: string): Promise<Buffer> {
  try {
    return await readFile(join(dir, file));
  } catch (cause) {
    throw new ModelLoadError('model_missing', dir, `${file} is missing or unreadable`, { cause });
  }
}

function parseOrRefuse<T>(dir: string, file: string, bytes: Buffer): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (cause) {
    throw new ModelLoadError('model_corrupt', dir, `${file} is not valid JSON`, { cause });
  }
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** Read only the metadata (no tensors), refusing unreadable files. */
export async function readNbMetadata(dir: string): Promise<NbMlpMetadata> {
  return parseOrRefuse<NbMlpMetadata>(dir, METADATA_FILE, await readOrRefuse(dir, METADATA_FILE));
}

/**
 * Load and validate a saved model. Throws `ModelLoadError` with code `model_missing`,
 * `model_corrupt` (bad JSON, wrong weight size or checksum, non-finite weights, tfjs refusal) or
 * `model_incompatible` (other format version or feature list).
 */
export async function loadNbModel(dir: string): Promise<NbMlpModel> {
  await ensureTf();
  const [modelBytes, weightBytes, metaBytes] = await Promise.all([
    readOrRefuse(dir, MODEL_FILE),
    readOrRefuse(dir, WEIGHTS_FILE),
    readOrRefuse(dir, METADATA_FILE),
  ]);
  const modelJson = parseOrRefuse<Partial<StoredModelJson>>(dir, MODEL_FILE, modelBytes);
  const metadata = parseOrRefuse<Partial<NbMlpMetadata>>(dir, METADATA_FILE, metaBytes);

  if (modelJson.format !== MODEL_JSON_FORMAT || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new ModelLoadError('model_corrupt', dir, `${MODEL_FILE} is not a ${MODEL_JSON_FORMAT} file`);
  }
  if (metadata.formatVersion !== NB_MLP_FORMAT_VERSION || metadata.kind !== 'nb-mlp') {
    throw new ModelLoadError(
      'model_incompatible',
      dir,
      `metadata format ${String(metadata.formatVersion)}/${String(metadata.kind)}, expected ${NB_MLP_FORMAT_VERSION}/nb-mlp`,
    );
  }
  const st = metadata.standardiser;
  if (
    JSON.stringify(metadata.features) !== JSON.stringify(FEATURE_NAMES) ||
    !st ||
    JSON.stringify(st.features) !== JSON.stringify(FEATURE_NAMES) ||
    st.mean?.length !== FEATURE_COUNT ||
    st.std?.length !== FEATURE_COUNT ||
    ![...st.mean, ...st.std].every(Number.isFinite)
  ) {
    throw new ModelLoadError('model_incompatible', dir, 'the model was trained on a different feature set');
  }
  const specs = modelJson.weightsManifest.flatMap((g) => g.weights ?? []);
  const expectedBytes = specs.reduce(
    (s, w) => s + w.shape.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[w.dtype ?? 'float32'] ?? Number.NaN),
    0,
  );
  if (weightBytes.byteLength !== expectedBytes) {
    throw new ModelLoadError(
      'model_corrupt',
      dir,
      `${WEIGHTS_FILE} has ${weightBytes.byteLength} bytes, the manifest needs ${expectedBytes}`,
    );
  }
  if (metadata.weightsSha256 && metadata.weightsSha256 !== sha256(weightBytes)) {
    throw new ModelLoadError('model_corrupt', dir, `${WEIGHTS_FILE} does not match its checksum in ${METADATA_FILE}`);
  }
  const weightData = weightBytes.buffer.slice(
    weightBytes.byteOffset,
    weightBytes.byteOffset + weightBytes.byteLength,
  ) as ArrayBuffer;
  let network: tf.LayersModel;
  try {
    network = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: specs, weightData }),
    );
  } catch (cause) {
    throw new ModelLoadError(
      'model_corrupt',
      dir,
      `tfjs refused the topology or weights: ${(cause as Error).message}`,
      { cause },
    );
  }
  const inShape = network.inputs[0]?.shape;
  const outShape = network.outputs[0]?.shape;
  if (inShape?.[1] !== FEATURE_COUNT || outShape?.[1] !== 2) {
    network.dispose();
    throw new ModelLoadError(
      'model_incompatible',
      dir,
      `network shape ${JSON.stringify(inShape)} → ${JSON.stringify(outShape)}, expected [null,${FEATURE_COUNT}] → [null,2]`,
    );
  }
  const finite = network.getWeights().every((w) => (w.dataSync() as Float32Array).every(Number.isFinite));
  if (!finite) {
    network.dispose();
    throw new ModelLoadError('model_corrupt', dir, 'weights contain NaN or Infinity');
  }
  return new NbMlpModel(network, metadata as NbMlpMetadata);
}

/** Store backtest scores in a saved model's metadata. Returns false when there is no model there. */
export async function recordBacktest(dir: string, record: BacktestRecord): Promise<boolean> {
  let metadata: NbMlpMetadata;
  try {
    metadata = await readNbMetadata(dir);
  } catch {
    return false;
  }
  await writeAtomic(join(dir, METADATA_FILE), `${JSON.stringify({ ...metadata, backtest: record }, null, 2)}\n`);
  return true;
}
