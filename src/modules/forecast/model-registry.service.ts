/**
 * The model registry and the training runs that feed it.
 *
 * - Models: the shipped prior model (models/, tracked) and every model trained here
 *   (TRAINED_MODELS_DIR, git-ignored), each with its training-data summary and its own backtest.
 * - The default: the last entry of a log in the database (forecast_model_choices), so every
 *   replica agrees; the shipped model while the log is empty. Admins promote (optionally pin),
 *   unpin and roll back; a training run makes its model the default only if its backtest beat the
 *   baseline and the incumbent on the incumbent's unseen drops, and the default is not pinned.
 * - Training: from demand_history (filters: creator, date range) or a history file, optionally
 *   with the simulated prior mixed in; always a new folder `nb-mlp-<instant>`, never over another.
 * - Serving asks `resolve(name)` for the model of a forecast: `baseline`, `default` or an id.
 */
import type { Database } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import { pageOfSorted, type PageRequest } from '../../http/pagination';
import type { Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import type { JobsService } from '../jobs';
import { createBaselineModel } from './core/baseline-model';
import type { ClosedDrop, DemandModel } from './core/forecast-types';
import {
  BASELINE_MODEL_NAME,
  currentDefault,
  DEFAULT_MODEL_NAME,
  previousDefault,
  SHIPPED_MODEL_ID,
  type DefaultChoice,
} from './core/model-registry';
import { MODEL_FILES, type ModelFiles } from './core/model-store';
import type { HistoryPopulation, NbMlpConfig, NbMlpMetadata, NbMlpModel, RecordedScores } from './core/nb-mlp-model';
import { earnsDefault, MIN_TRAINING_DROPS, type TrainingSet } from './core/training';
import type { DemandHistoryService, HistorySelection } from './demand-history.service';
import { modelChoicesRepository as choicesRepo, type ModelChoiceRow } from './forecast.repository';
import { writeModelFiles } from './model-folder';
import type { ModelProvider } from './model-provider';
import type { TrainingExecutor, TrainingProgress, TrainingTask } from './model-training';
import { join } from 'node:path';

/** The baseline learns its ratios from demand_history with the simulated prior placed before it. */
export const BASELINE_POPULATION: HistoryPopulation = { demandHistory: true, prior: true };
/**
 * A model trained on the shipped simulated history (and models saved before populations were
 * recorded) serves over that history plus the service's own closed drops: a creator's real past
 * drops then shape their history features (size, regional shares, demand per mention) from the
 * first closed drop, long before there are enough drops to train on.
 */
const SIMULATED_SERVING_POPULATION: HistoryPopulation = { demandHistory: true, prior: true };
/** The nightly retrain and `npm run train` learn from the user's drops alone unless told otherwise. */
export const DEFAULT_PRIOR_WEIGHT = 0;
export const TRAIN_JOB_KIND = 'model.train';

export interface ResolvedModel {
  model: DemandModel;
  /** the NB-MLP when it serves, for its (μ, α) */
  nb: NbMlpModel | null;
  modelId: string;
  population: HistoryPopulation;
  role: 'default' | 'requested';
  /** `models/<id>` or `baseline` */
  modelDirShown: string;
  /** why the baseline serves the default role, when it does */
  fallbackReason?: string;
}

export interface TrainSpec {
  source: { kind: 'demand_history'; selection: HistorySelection } | { kind: 'file'; file: string; drops: ClosedDrop[] };
  priorWeight: number;
  config?: Partial<NbMlpConfig>;
  folds?: number;
}

export interface TrainOutcome {
  model_id: string;
  model_dir: string;
  became_default: boolean;
  /** why it did or did not become the default */
  decision: string;
  default_model_id: string;
  training_drops: number;
  prior_drops: number;
  scaled_pinball: number | null;
  baseline_scaled_pinball: number | null;
  incumbent_scaled_pinball: number | null;
}

export interface ModelRegistryOptions {
  provider: ModelProvider;
  history: DemandHistoryService;
  jobs: JobsService;
  clock: Clock;
  logger: Logger;
  executor: TrainingExecutor;
}

const toChoice = (row: ModelChoiceRow): DefaultChoice => ({
  seq: Number(row.seq),
  model_id: row.model_id,
  action: row.action,
  pinned: row.pinned,
  reason: row.reason,
  chosen_by: row.chosen_by,
  chosen_at: new Date(row.chosen_at).toISOString(),
});

const scores = (s: RecordedScores | null | undefined): Schemas['ModelScores'] | null =>
  s ? { wape: s.wape, scaled_pinball: s.scaledPinball, coverage80: s.coverage80, rows: s.rows } : null;

function toBacktest(meta: NbMlpMetadata): Schemas['ModelBacktest'] | null {
  const bt = meta.backtest;
  if (!bt) return null;
  const mapScores = (m: Record<string, RecordedScores>) =>
    Object.fromEntries(Object.entries(m).map(([k, s]) => [k, scores(s)!]));
  return {
    evaluated_at: bt.evaluatedAt,
    test_drops: bt.testDrops,
    beats_baseline: bt.beatsBaseline,
    pooled: mapScores(bt.pooled),
    by_lead: Object.fromEntries(Object.entries(bt.byLead).map(([L, m]) => [L, mapScores(m)])),
    incumbent: bt.incumbent
      ? {
          model_id: bt.incumbent.modelId,
          test_drops: bt.incumbent.testDrops,
          incumbent: scores(bt.incumbent.incumbent),
          candidate: scores(bt.incumbent.candidate),
          beats_incumbent: bt.incumbent.beatsIncumbent,
        }
      : null,
  };
}

/** The history population a model's features are computed over when it serves. */
function populationOf(meta: NbMlpMetadata): HistoryPopulation {
  const data = meta.training.data;
  return data === undefined || data.source === 'simulated' ? SIMULATED_SERVING_POPULATION : data.population;
}

function toTrainingData(meta: NbMlpMetadata): Schemas['ModelTrainingData'] {
  const t = meta.training;
  const d = t.data;
  const population = populationOf(meta);
  return {
    source: d?.source ?? 'simulated',
    file: d?.file ?? null,
    filters: {
      creator_id: d?.filters.creatorId ?? null,
      from: d?.filters.from ?? null,
      to: d?.filters.to ?? null,
    },
    prior_weight: d?.priorWeight ?? 0,
    drops: d?.ownDrops ?? t.drops,
    prior_drops: d?.priorDrops ?? 0,
    rows: t.rows,
    first_open: t.firstOpen,
    last_close: t.lastClose,
    total_demand: t.totalDemand,
    with_social: d?.withSocial ?? 1,
    with_token_holders: d?.withTokenHolders ?? 1,
    population: { demand_history: population.demandHistory, prior: population.prior },
  };
}

/** `nb-mlp-20261124T030000Z` */
export function trainedModelId(now: Date): string {
  return `nb-mlp-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

export function createModelRegistryService(db: Database, options: ModelRegistryOptions) {
  const { provider, history, jobs, clock, logger, executor } = options;

  async function log(): Promise<DefaultChoice[]> {
    return (await choicesRepo.listChoices(db)).map(toChoice);
  }

  function baseline(population: Awaited<ReturnType<DemandHistoryService['population']>>, asOf: Date) {
    return createBaselineModel(population.drops, { asOfMs: asOf.getTime() });
  }

  async function info(
    id: string,
    location: 'shipped' | 'trained',
    state: { modelId: string; pinned: boolean },
  ): Promise<Schemas['ModelInfo'] | null> {
    const found = await provider.metadata(id);
    if (!found) return null;
    const loaded = await provider.load(id);
    const meta = found.metadata;
    return {
      id,
      kind: 'nb-mlp',
      location,
      created_at: meta.createdAt ?? null,
      servable: loaded.ok,
      not_servable_reason: loaded.ok ? null : loaded.reason,
      is_default: state.modelId === id,
      pinned: state.modelId === id && state.pinned,
      training: toTrainingData(meta),
      backtest: toBacktest(meta),
    };
  }

  const baselineInfo = (state: { modelId: string; pinned: boolean }): Schemas['ModelInfo'] => ({
    id: BASELINE_MODEL_NAME,
    kind: 'baseline',
    location: 'builtin',
    created_at: null,
    servable: true,
    not_servable_reason: null,
    is_default: state.modelId === BASELINE_MODEL_NAME,
    pinned: state.modelId === BASELINE_MODEL_NAME && state.pinned,
    training: null,
    backtest: null,
  });

  async function defaultView(): Promise<Schemas['DefaultModel']> {
    const choices = await log();
    const state = currentDefault(choices);
    return {
      model_id: state.modelId,
      pinned: state.pinned,
      history: choices
        .slice(-50)
        .reverse()
        .map(({ seq: _seq, ...c }) => c),
    };
  }

  /** A new default in one transaction under a table lock; `check` sees the log as it stands. */
  async function choose(
    choice: Omit<ModelChoiceRow, 'seq' | 'chosen_at'>,
    check?: (choices: DefaultChoice[]) => void,
  ): Promise<void> {
    await db.transaction(async (tx) => {
      await choicesRepo.lockChoices(tx);
      if (check) check((await choicesRepo.listChoices(tx)).map(toChoice));
      await choicesRepo.insertChoice(tx, { ...choice, chosen_at: clock.now() });
    });
  }

  async function requireServable(id: string): Promise<void> {
    if (id === BASELINE_MODEL_NAME) return;
    if (!(await provider.locate(id))) throw notFound('model', id);
    const loaded = await provider.load(id);
    if (!loaded.ok) {
      throw new AppError('unprocessable', `Model '${id}' cannot serve: ${loaded.reason}`, {
        extensions: { reason: 'model_unavailable' },
      });
    }
  }

  async function readFiles(dir: string): Promise<ModelFiles> {
    const entries = await Promise.all(MODEL_FILES.map(async (f) => [f, await provider.storage.read(dir, f)] as const));
    return Object.fromEntries(entries) as ModelFiles;
  }

  /** The incumbent of a training run: the default as it serves now (the baseline when it cannot). */
  async function incumbentFor(): Promise<TrainingTask['incumbent']> {
    const { modelId } = currentDefault(await log());
    const where = modelId === BASELINE_MODEL_NAME ? null : await provider.locate(modelId);
    const loaded = where ? await provider.load(modelId) : null;
    if (!where || !loaded?.ok) {
      return {
        id: BASELINE_MODEL_NAME,
        files: null,
        population: (await history.population(BASELINE_POPULATION)).drops,
        trainedUntil: null,
      };
    }
    const meta = loaded.model.metadata;
    return {
      id: modelId,
      files: await readFiles(where.dir),
      population: (await history.population(populationOf(meta))).drops,
      // A model trained on simulated data never saw the user's drops: all of them are fair to score.
      trainedUntil: (meta.training.data?.source ?? 'simulated') === 'simulated' ? null : meta.training.lastClose,
    };
  }

  async function newModelId(): Promise<string> {
    const base = trainedModelId(clock.now());
    for (let i = 1; ; i++) {
      const id = i === 1 ? base : `${base}-${i}`;
      if (!(await provider.locate(id))) return id;
    }
  }

  async function trainingSet(spec: TrainSpec): Promise<TrainingSet> {
    const prior = spec.priorWeight > 0 ? await history.priorDrops() : [];
    if (spec.source.kind === 'file') {
      return {
        targets: spec.source.drops,
        context: [],
        prior,
        priorWeight: spec.priorWeight,
        describe: {
          source: 'file',
          file: spec.source.file,
          filters: { creatorId: null, from: null, to: null },
          population: { demandHistory: true, prior: prior.length > 0 },
        },
      };
    }
    const sel = spec.source.selection;
    const { targets, context } = await history.select(sel);
    return {
      targets,
      context,
      prior,
      priorWeight: spec.priorWeight,
      describe: {
        source: 'demand_history',
        file: null,
        filters: { creatorId: sel.creatorId ?? null, from: sel.from ?? null, to: sel.to ?? null },
        population: { demandHistory: true, prior: prior.length > 0 },
      },
    };
  }

  function refuseTooFew(count: number): never {
    throw new AppError(
      'unprocessable',
      `Training needs at least ${MIN_TRAINING_DROPS} closed drops with realised demand; ` +
        `the selected history has ${count}`,
      { extensions: { reason: 'too_few_drops', drops: count, minimum: MIN_TRAINING_DROPS } },
    );
  }

  const service = {
    provider,

    /** The model for a forecast: the default (no name or `default`), `baseline`, or a model id. */
    async resolve(name: string | undefined, asOf: Date): Promise<ResolvedModel> {
      const requested = name !== undefined && name !== DEFAULT_MODEL_NAME;
      const role = requested ? ('requested' as const) : ('default' as const);
      const id = requested ? name : currentDefault(await log()).modelId;
      const asBaseline = async (fallbackReason?: string): Promise<ResolvedModel> => ({
        model: baseline(await history.population(BASELINE_POPULATION), asOf),
        nb: null,
        modelId: BASELINE_MODEL_NAME,
        population: BASELINE_POPULATION,
        role,
        modelDirShown: id === BASELINE_MODEL_NAME ? BASELINE_MODEL_NAME : provider.shown(id),
        ...(fallbackReason !== undefined && { fallbackReason }),
      });
      if (id === BASELINE_MODEL_NAME) return asBaseline();
      if (requested && !(await provider.locate(id))) {
        throw new AppError(
          'unprocessable',
          `Unknown model '${id}': use baseline, default or an id from GET /v1/models`,
          {
            errors: [{ path: 'model', message: `unknown model '${id}'` }],
            extensions: { reason: 'unknown_model' },
          },
        );
      }
      const loaded = await provider.load(id);
      if (!loaded.ok) {
        if (requested) {
          throw new AppError('unprocessable', `Model '${id}' cannot serve: ${loaded.reason}`, {
            errors: [{ path: 'model', message: loaded.reason }],
            extensions: { reason: 'model_unavailable' },
          });
        }
        return asBaseline(loaded.reason);
      }
      return {
        model: loaded.model,
        nb: loaded.model,
        modelId: id,
        population: populationOf(loaded.model.metadata),
        role,
        modelDirShown: provider.shown(id),
      };
    },

    async listModels(page: PageRequest): Promise<Schemas['ModelList']> {
      const state = currentDefault(await log());
      const items = (
        await Promise.all((await provider.listIds()).map(({ id, location }) => info(id, location, state)))
      ).filter((m): m is Schemas['ModelInfo'] => m !== null);
      items.sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '') || a.id.localeCompare(b.id));
      // Model files are not rows: the same keyset (the id of the last model seen) over the sorted list.
      const { items: pageItems, next_cursor } = pageOfSorted([...items, baselineInfo(state)], page, (m) => [m.id]);
      return { default_model_id: state.modelId, pinned: state.pinned, items: pageItems, next_cursor };
    },

    async getModel(id: string): Promise<Schemas['ModelInfo']> {
      const state = currentDefault(await log());
      if (id === BASELINE_MODEL_NAME) return baselineInfo(state);
      const where = await provider.locate(id);
      const found = where && (await info(id, where.location, state));
      if (!found) throw notFound('model', id);
      return found;
    },

    getDefault: defaultView,

    async promote(principal: Principal, id: string, input: { pin?: boolean; reason?: string } = {}) {
      await requireServable(id);
      await choose({
        model_id: id,
        action: input.pin ? 'pin' : 'promote',
        pinned: input.pin === true,
        reason: input.reason ?? '',
        chosen_by: principal.keyId,
      });
      logger.info({ modelId: id, pinned: input.pin === true, by: principal.keyId }, 'default forecast model chosen');
      return defaultView();
    },

    async unpin(principal: Principal) {
      const state = currentDefault(await log());
      if (state.pinned) {
        await choose({
          model_id: state.modelId,
          action: 'unpin',
          pinned: false,
          reason: '',
          chosen_by: principal.keyId,
        });
      }
      return defaultView();
    },

    async rollback(principal: Principal) {
      const target = previousDefault(await log());
      if (!target) {
        throw new AppError('unprocessable', 'There is no earlier default to roll back to', {
          extensions: { reason: 'nothing_to_roll_back' },
        });
      }
      await requireServable(target);
      await choose({ model_id: target, action: 'rollback', pinned: false, reason: '', chosen_by: principal.keyId });
      logger.info({ modelId: target, by: principal.keyId }, 'default forecast model rolled back');
      return defaultView();
    },

    /** How many drops a selection of demand_history holds (the 20-drop rule, before any work starts). */
    async countTrainingDrops(selection: HistorySelection): Promise<number> {
      return (await history.select(selection)).targets.length;
    },

    /**
     * One training run, start to end: the data, the fit and backtest (in the executor: a worker
     * thread in the service), a new model folder, and the default decision. The CLI, the job and
     * the nightly retrain all come here.
     */
    async train(spec: TrainSpec, run: { onProgress?: TrainingProgress; chosenBy: string }): Promise<TrainOutcome> {
      const set = await trainingSet(spec);
      if (set.targets.length < MIN_TRAINING_DROPS) refuseTooFew(set.targets.length);
      const modelId = await newModelId();
      const incumbent = await incumbentFor();
      const result = await executor(
        {
          set,
          modelId,
          createdAt: clock.now().toISOString(),
          config: spec.config ?? {},
          ...(spec.folds !== undefined && { folds: spec.folds }),
          incumbent,
        },
        run.onProgress,
      );
      await writeModelFiles(provider.storage, join(provider.trainedModelsDir, modelId), result.files);
      const bt = result.backtest;
      let decision: string;
      let became = false;
      if (!bt.beatsBaseline) decision = 'its backtest does not beat the baseline';
      else if (!earnsDefault(bt))
        decision = `it does not beat the current default ${bt.incumbent?.modelId ?? ''} on its backtest`;
      else {
        decision = '';
        await choose(
          {
            model_id: modelId,
            action: 'trained',
            pinned: false,
            reason: 'beat the baseline and the incumbent in its backtest',
            chosen_by: run.chosenBy,
          },
          (choices) => {
            const now = currentDefault(choices);
            if (now.pinned) decision = `the default ${now.modelId} is pinned`;
            else if (now.modelId !== (incumbent?.id ?? SHIPPED_MODEL_ID) && incumbent?.id !== BASELINE_MODEL_NAME)
              decision = `the default changed to ${now.modelId} during training`;
            if (decision) throw new SkipChoice();
          },
        ).then(
          () => (became = true),
          (error: unknown) => {
            if (!(error instanceof SkipChoice)) throw error;
          },
        );
        if (became) decision = 'it beat the baseline and the incumbent in its backtest';
      }
      const outcome: TrainOutcome = {
        model_id: modelId,
        model_dir: provider.shown(modelId),
        became_default: became,
        decision,
        default_model_id: currentDefault(await log()).modelId,
        training_drops: set.targets.length,
        prior_drops: result.metadata.training.data?.priorDrops ?? 0,
        scaled_pinball: bt.pooled['nb-mlp']?.scaledPinball ?? null,
        baseline_scaled_pinball: bt.pooled.baseline?.scaledPinball ?? null,
        incumbent_scaled_pinball: bt.incumbent?.incumbent?.scaledPinball ?? null,
      };
      logger.info(outcome, 'forecast model trained');
      return outcome;
    },

    /** POST /v1/models/train: refuse too little data now (422), else a job that runs the training. */
    async startTraining(principal: Principal, input: Schemas['TrainModelRequest']): Promise<Schemas['Job']> {
      const selection: HistorySelection = {
        creatorId: input.creator_id ?? null,
        from: input.from ?? null,
        to: input.to ?? null,
      };
      const count = await service.countTrainingDrops(selection);
      if (count < MIN_TRAINING_DROPS) refuseTooFew(count);
      return jobs.submit(principal, TRAIN_JOB_KIND, input as Record<string, unknown>);
    },

    /** The nightly retrain: every closed drop of demand_history; skipped below 20 drops. */
    async retrain(signal?: AbortSignal) {
      const count = await service.countTrainingDrops({});
      if (count < MIN_TRAINING_DROPS || signal?.aborted) {
        return {
          skipped: true as const,
          reason: `${count} closed drops in demand_history (${MIN_TRAINING_DROPS} needed)`,
        };
      }
      return service.train(
        { source: { kind: 'demand_history', selection: {} }, priorWeight: DEFAULT_PRIOR_WEIGHT },
        { chosenBy: 'system:retrain' },
      );
    },

    /** Resolves when every training job started here has finished (tests, shutdown). */
    async idle(): Promise<void> {
      await jobs.idle();
    },
  };
  // The training job's work, wherever it runs (a worker through the queue, or here).
  jobs.register(TRAIN_JOB_KIND, async (principal, stored, report) => {
    const input = stored as Schemas['TrainModelRequest'];
    const spec: TrainSpec = {
      source: {
        kind: 'demand_history',
        selection: { creatorId: input.creator_id ?? null, from: input.from ?? null, to: input.to ?? null },
      },
      priorWeight: input.prior_weight ?? DEFAULT_PRIOR_WEIGHT,
      ...(input.epochs !== undefined && { config: { epochs: input.epochs } }),
    };
    const outcome = await service.train(spec, { onProgress: report, chosenBy: principal.keyId });
    return {
      result: outcome as unknown as Record<string, unknown>,
      resultUrl: `/v1/models/${outcome.model_id}`,
      message: outcome.became_default ? 'trained; now the default' : `trained; not the default: ${outcome.decision}`,
    };
  });
  return service;
}

class SkipChoice extends Error {}

export type ModelRegistryService = ReturnType<typeof createModelRegistryService>;
