/**
 * The NB-MLP as bytes and back: `serializeNbModel` turns a model into its three files' bytes,
 * `parseNbModel` validates bytes and builds the model. Pure (no I/O): reading and writing model
 * folders is `model-folder.ts`, outside the core. Layout of a model folder `<id>/`:
 *   model.json     tfjs layers topology + weights manifest (paths: ["weights.bin"])
 *   weights.bin    float32 weights
 *   metadata.json  NbMlpMetadata: version, features, standardisation, training summary, backtest
 * Uses tf.io.withSaveHandler / tf.io.fromMemory (file:// handlers need tfjs-node).
 * Anything missing, unreadable, inconsistent or built for other features is refused with a
 * `ModelLoadError` so the caller can fall back to the baseline.
 */
import { createHash } from 'node:crypto';
import { FEATURE_COUNT, FEATURE_NAMES } from './features';
import { ModelLoadError } from './model-errors';
import { NB_MLP_FORMAT_VERSION, NbMlpModel, type NbMlpMetadata } from './nb-mlp-model';
import { ensureTf, tf } from './tf-runtime';

const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';
const METADATA_FILE = 'metadata.json';
export const MODEL_FILES = [MODEL_FILE, WEIGHTS_FILE, METADATA_FILE] as const;
export type ModelFileName = (typeof MODEL_FILES)[number];

/** A saved model as bytes, e.g. handed from a worker thread to the thread that stores it. */
export type ModelFiles = Record<ModelFileName, Uint8Array>;

const utf8 = (text: string) => new TextEncoder().encode(text);
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

/** The model's three files as bytes (metadata with the weights' checksum). */
export async function serializeNbModel(model: NbMlpModel): Promise<{ files: ModelFiles; metadata: NbMlpMetadata }> {
  await ensureTf();
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.network.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
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
  return {
    files: {
      [WEIGHTS_FILE]: weights,
      [MODEL_FILE]: utf8(JSON.stringify(modelJson)),
      [METADATA_FILE]: utf8(`${JSON.stringify(metadata, null, 2)}\n`),
    },
    metadata,
  };
}

function parseOrRefuse<T>(dir: string, file: string, bytes: Uint8Array): T {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (cause) {
    throw new ModelLoadError('model_corrupt', dir, `${file} is not valid JSON`, { cause });
  }
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** The metadata from its bytes, refusing what is not JSON (`dir` names it in errors). */
export function parseNbMetadata(dir: string, bytes: Uint8Array): NbMlpMetadata {
  return parseOrRefuse<NbMlpMetadata>(dir, METADATA_FILE, bytes);
}

/** Validate and build a model from its files' bytes (`dir` names it in errors). */
export async function parseNbModel(dir: string, files: ModelFiles): Promise<NbMlpModel> {
  await ensureTf();
  const { [MODEL_FILE]: modelBytes, [WEIGHTS_FILE]: weightBytes, [METADATA_FILE]: metaBytes } = files;
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
