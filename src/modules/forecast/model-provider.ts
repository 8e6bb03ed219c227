/**
 * Which model serves a forecast, loaded once and cached; reloaded when its files change.
 *
 * - `prior`: the model shipped in `<modelsDir>/nb-mlp-v1` (trained on the simulated history); it
 *   serves creators with no closed drop in the history.
 * - `default`: the model named by `<modelsDir>/default-model.json` ({"model_id": ...}, written by
 *   the nightly retrain only when its model beat the baseline's pinball in the backtest); the prior
 *   when that file is absent.
 * Either way the core's registry rule applies (`chooseDefaultModel`: an NB-MLP only with a recorded
 * backtest that beats the baseline). A missing, corrupt or incompatible model (`ModelLoadError`)
 * falls back to the baseline with one warning per change of the files, never a crash.
 * The cache key is the files' size and mtime, checked (three stats) on every resolve.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Logger } from '../../shared/logger';
import type { DemandModel } from './core/forecast-types';
import { ModelLoadError } from './core/model-errors';
import { chooseDefaultModel, DEFAULT_MODEL_ID } from './core/model-registry';
import type { NbMlpModel } from './core/nb-mlp-model';

export const DEFAULT_POINTER_FILE = 'default-model.json';
export const MODEL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export type ModelRole = 'default' | 'prior';

export interface ResolvedModel {
  model: DemandModel;
  /** the NB-MLP when it serves, for its (μ, α) */
  nb: NbMlpModel | null;
  role: ModelRole;
  modelDir: string;
  /** `models/<id>`, the directory as clients see it */
  modelDirShown: string;
  /** why the baseline serves, when it does */
  fallbackReason?: string;
}

export interface DefaultPointer {
  model_id: string;
  chosen_at: string;
  scaled_pinball?: number;
  baseline_scaled_pinball?: number;
}

type Loaded = { ok: true; model: NbMlpModel } | { ok: false; reason: string };

export function createModelProvider(options: { modelsDir: string; logger: Logger }) {
  const { modelsDir, logger } = options;
  const cache = new Map<string, { stamp: string; loaded: Promise<Loaded> }>();
  /** A model directory as clients may see it: relative to the models folder, never a server path. */
  const shown = (dir: string) => `models/${relative(modelsDir, dir)}`;

  async function fileStamp(path: string): Promise<string> {
    try {
      const s = await stat(path);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }

  async function readPointer(): Promise<DefaultPointer | null> {
    try {
      const pointer = JSON.parse(
        await readFile(join(modelsDir, DEFAULT_POINTER_FILE), 'utf8'),
      ) as Partial<DefaultPointer>;
      if (typeof pointer.model_id === 'string' && MODEL_ID_PATTERN.test(pointer.model_id))
        return pointer as DefaultPointer;
      logger.warn(
        { file: join(modelsDir, DEFAULT_POINTER_FILE) },
        'default-model pointer names no valid model id; using the shipped prior model',
      );
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        logger.warn({ err: error }, 'default-model pointer is unreadable; using the shipped prior model');
      }
    }
    return null;
  }

  async function load(dir: string): Promise<Loaded> {
    const stamp = (
      await Promise.all(['model.json', 'weights.bin', 'metadata.json'].map((f) => fileStamp(join(dir, f))))
    ).join('|');
    const hit = cache.get(dir);
    if (hit && hit.stamp === stamp) return hit.loaded;
    const loaded = (async (): Promise<Loaded> => {
      if (hit) {
        const previous = await hit.loaded;
        if (previous.ok) previous.model.dispose();
      }
      try {
        // TensorFlow.js (~90 MB) is loaded on the first forecast, not at service start.
        const { loadNbModel } = await import('./core/model-store');
        const model = await loadNbModel(dir);
        if (chooseDefaultModel(model.metadata) === 'nb-mlp') {
          logger.info({ modelDir: dir, modelId: model.id }, 'forecast model loaded');
          return { ok: true, model };
        }
        model.dispose();
        const reason = `the model in ${shown(dir)} has no recorded backtest that beats the baseline`;
        logger.warn({ modelDir: dir }, `${reason}; forecasting with the baseline model`);
        return { ok: false, reason };
      } catch (error) {
        if (!(error instanceof ModelLoadError)) throw error;
        logger.warn(
          { modelDir: dir, code: error.code, err: error.message },
          `cannot load the forecast model (${error.code}); falling back to the baseline model`,
        );
        return { ok: false, reason: `${error.code}: ${error.message.replaceAll(dir, shown(dir))}` };
      }
    })();
    cache.set(dir, { stamp, loaded });
    loaded.catch(() => cache.delete(dir));
    return loaded;
  }

  return {
    modelsDir,
    priorDir: join(modelsDir, DEFAULT_MODEL_ID),
    readPointer,

    /** The model for a role; `baseline` builds the fallback (from the current history). */
    async resolve(role: ModelRole, baseline: () => DemandModel): Promise<ResolvedModel> {
      const pointer = role === 'default' ? await readPointer() : null;
      const modelDir = join(modelsDir, pointer?.model_id ?? DEFAULT_MODEL_ID);
      const loaded = await load(modelDir);
      const modelDirShown = shown(modelDir);
      if (loaded.ok) return { model: loaded.model, nb: loaded.model, role, modelDir, modelDirShown };
      return { model: baseline(), nb: null, role, modelDir, modelDirShown, fallbackReason: loaded.reason };
    },

    /** Points the default at `<modelsDir>/<modelId>` (atomic rename: readers see old or new). */
    async setDefault(pointer: DefaultPointer): Promise<void> {
      if (!MODEL_ID_PATTERN.test(pointer.model_id)) throw new Error(`invalid model id ${pointer.model_id}`);
      await mkdir(modelsDir, { recursive: true });
      const file = join(modelsDir, DEFAULT_POINTER_FILE);
      const tmp = `${file}.tmp-${process.pid}`;
      await writeFile(tmp, `${JSON.stringify(pointer, null, 2)}\n`);
      await rename(tmp, file);
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
