/**
 * Reading and writing a model folder through a `ModelStorage` (the file system in production,
 * `model-files.ts`): the I/O half of the model store. The core turns a model into bytes and back
 * (`core/model-store.ts`); this file moves those bytes. Imported lazily by the model provider, as it
 * loads tfjs.
 */
import { ModelLoadError } from './core/model-errors';
import {
  parseNbMetadata,
  parseNbModel,
  serializeNbModel,
  type ModelFileName,
  type ModelFiles,
} from './core/model-store';
import type { NbMlpMetadata, NbMlpModel } from './core/nb-mlp-model';
import type { ModelStorage } from './model-files';

/** Writes the files of a model to `dir` of the storage, weights first, metadata last. */
export async function writeModelFiles(storage: ModelStorage, dir: string, files: ModelFiles): Promise<void> {
  for (const file of ['weights.bin', 'model.json', 'metadata.json'] as const) {
    await storage.write(dir, file, files[file]);
  }
}

/** Save the model to `dir` of the storage. Returns the metadata written. */
export async function saveNbModel(model: NbMlpModel, storage: ModelStorage, dir: string): Promise<NbMlpMetadata> {
  const { files, metadata } = await serializeNbModel(model);
  await writeModelFiles(storage, dir, files);
  return metadata;
}

async function readOrRefuse(storage: ModelStorage, dir: string, file: ModelFileName): Promise<Uint8Array> {
  try {
    return await storage.read(dir, file);
  } catch (cause) {
    throw new ModelLoadError('model_missing', dir, `${file} is missing or unreadable`, { cause });
  }
}

/** Read only the metadata (no tensors), refusing unreadable files. */
export async function readNbMetadata(storage: ModelStorage, dir: string): Promise<NbMlpMetadata> {
  return parseNbMetadata(dir, await readOrRefuse(storage, dir, 'metadata.json'));
}

/**
 * Load and validate a saved model. Throws `ModelLoadError` with code `model_missing`,
 * `model_corrupt` (bad JSON, wrong weight size or checksum, non-finite weights, tfjs refusal) or
 * `model_incompatible` (other format version or feature list).
 */
export async function loadNbModel(storage: ModelStorage, dir: string): Promise<NbMlpModel> {
  const [model, weights, metadata] = await Promise.all([
    readOrRefuse(storage, dir, 'model.json'),
    readOrRefuse(storage, dir, 'weights.bin'),
    readOrRefuse(storage, dir, 'metadata.json'),
  ]);
  return parseNbModel(dir, { 'model.json': model, 'weights.bin': weights, 'metadata.json': metadata });
}
