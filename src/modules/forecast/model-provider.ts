/**
 * The model files: where each model lives, loading it once and keeping it cached (reloaded when its
 * files change), and refusing one that cannot serve. Shipped models (tracked in git) live in
 * `MODELS_DIR` (models/), models trained here in `TRAINED_MODELS_DIR` (var/models, git-ignored):
 * training never writes into a shipped folder, and nothing tracked changes when a user trains.
 *
 * A missing, corrupt or incompatible model (`ModelLoadError`), or one whose backtest does not beat
 * the baseline, loads as `{ ok: false, reason }` with one warning per change of its files, never a
 * crash. The cache key is the files' size and mtime, checked (three stats) on every load.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger';
import { ModelLoadError } from './core/model-errors';
import { MODEL_ID_PATTERN, servable } from './core/model-registry';
import { MODEL_FILES } from './core/model-store';
import type { NbMlpMetadata, NbMlpModel } from './core/nb-mlp-model';
import { fileModelStorage, listModelFolders, modelFilesStamp, type ModelStorage } from './model-files';

export type ModelLocation = 'shipped' | 'trained';

export type Loaded = { ok: true; model: NbMlpModel } | { ok: false; code: string; reason: string };

export interface ModelProviderOptions {
  /** shipped models (config.modelsDir) */
  modelsDir: string;
  /** models trained here (config.trainedModelsDir) */
  trainedModelsDir: string;
  logger: Logger;
  storage?: ModelStorage;
}

export function createModelProvider(options: ModelProviderOptions) {
  const { modelsDir, trainedModelsDir, logger } = options;
  const storage = options.storage ?? fileModelStorage;
  const cache = new Map<string, { stamp: string; loaded: Promise<Loaded> }>();

  async function exists(dir: string): Promise<boolean> {
    try {
      await access(join(dir, 'metadata.json'));
      return true;
    } catch {
      return false;
    }
  }

  /** Where a model id lives (trained first: a trained id never shadows a shipped one, ids differ). */
  async function locate(id: string): Promise<{ dir: string; location: ModelLocation } | null> {
    if (!MODEL_ID_PATTERN.test(id)) return null;
    const trained = join(trainedModelsDir, id);
    if (await exists(trained)) return { dir: trained, location: 'trained' };
    const shipped = join(modelsDir, id);
    if (await exists(shipped)) return { dir: shipped, location: 'shipped' };
    return null;
  }

  /** How clients see a model's folder: `models/<id>`, never a server path. */
  const shown = (id: string) => `models/${id}`;

  async function load(id: string, dir: string): Promise<Loaded> {
    const stamp = await modelFilesStamp(dir, MODEL_FILES);
    const hit = cache.get(dir);
    if (hit && hit.stamp === stamp) return hit.loaded;
    const loaded = (async (): Promise<Loaded> => {
      if (hit) {
        const previous = await hit.loaded;
        if (previous.ok) previous.model.dispose();
      }
      try {
        // TensorFlow.js (~90 MB) is loaded on the first forecast, not at service start.
        const { loadNbModel } = await import('./model-folder');
        const model = await loadNbModel(storage, dir);
        const verdict = servable(model.metadata);
        if (verdict.ok) {
          logger.info({ modelId: id }, 'forecast model loaded');
          return { ok: true, model };
        }
        model.dispose();
        const reason = `the model ${shown(id)} cannot serve: ${verdict.reason}`;
        logger.warn({ modelId: id }, reason);
        return { ok: false, code: 'model_not_servable', reason };
      } catch (error) {
        if (!(error instanceof ModelLoadError)) throw error;
        logger.warn(
          { modelId: id, code: error.code, err: error.message },
          `cannot load the forecast model (${error.code}); falling back to the baseline model`,
        );
        return { ok: false, code: error.code, reason: `${error.code}: ${error.message.replaceAll(dir, shown(id))}` };
      }
    })();
    cache.set(dir, { stamp, loaded });
    loaded.catch(() => cache.delete(dir));
    return loaded;
  }

  return {
    modelsDir,
    trainedModelsDir,
    storage,
    locate,
    shown,

    /** Load a model by id (cached); a model that does not exist answers model_missing. */
    async load(id: string): Promise<Loaded> {
      const where = await locate(id);
      if (!where) {
        return { ok: false, code: 'model_missing', reason: `model_missing: no model ${shown(id)}` };
      }
      return load(id, where.dir);
    },

    /** A model's metadata without its tensors (null when it cannot be read). */
    async metadata(id: string): Promise<{ metadata: NbMlpMetadata; location: ModelLocation } | null> {
      const where = await locate(id);
      if (!where) return null;
      const { readNbMetadata } = await import('./model-folder');
      try {
        return { metadata: await readNbMetadata(storage, where.dir), location: where.location };
      } catch {
        return null;
      }
    },

    /** Every model folder, shipped and trained. */
    async listIds(): Promise<{ id: string; location: ModelLocation }[]> {
      const [shipped, trained] = await Promise.all([listModelFolders(modelsDir), listModelFolders(trainedModelsDir)]);
      return [
        ...shipped.filter((id) => MODEL_ID_PATTERN.test(id)).map((id) => ({ id, location: 'shipped' as const })),
        ...trained.filter((id) => MODEL_ID_PATTERN.test(id)).map((id) => ({ id, location: 'trained' as const })),
      ];
    },

    /** Frees every cached network (shutdown, tests). */
    async dispose(): Promise<void> {
      for (const { loaded } of cache.values()) {
        const l = await loaded.catch(() => null);
        if (l?.ok) l.model.dispose();
      }
      cache.clear();
    },
  };
}

export type ModelProvider = ReturnType<typeof createModelProvider>;
