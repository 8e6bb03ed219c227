import type { HotRoute } from './http/hot-route';
import type { Router } from 'express';
import { Registry } from 'prom-client';
import type { AppConfig } from './config';
import type { Database } from './db/database';
import { catalogRoutes } from './modules/catalog/catalog.routes';
import { createCatalogService } from './modules/catalog/catalog.service';
import { keysRoutes } from './modules/keys/keys.routes';
import { createKeysService } from './modules/keys/keys.service';
import { BULK_JSON_PATHS, signalsRoutes, signedSignalsRoutes } from './modules/signals/signals.routes';
import { createSignalsService } from './modules/signals/signals.service';
import { forecastJobs, registerForecastRunner } from './modules/forecast/forecast.jobs';
import { forecastRoutes } from './modules/forecast/forecast.routes';
import { createForecastService } from './modules/forecast/forecast.service';
import { createForecastReader } from './modules/forecast/forecast-reader';
import { createDemandHistoryService } from './modules/forecast/demand-history.service';
import { createDropSignalsReader } from './modules/forecast/drop-signals';
import { createModelProvider } from './modules/forecast/model-provider';
import { createModelRegistryService } from './modules/forecast/model-registry.service';
import {
  inlineTrainingExecutor,
  workerTrainingExecutor,
  type TrainingExecutor,
} from './modules/forecast/model-training';
import { modelsRoutes } from './modules/forecast/models.routes';
import { DEFAULT_PRIOR_HISTORY_PATH } from './modules/forecast/training-history';
import { jobsRoutes } from './modules/jobs/jobs.routes';
import { createJobsService, RUN_JOB } from './modules/jobs/jobs.service';
import type { Job } from './jobs/queue';
import { allocationJobs, registerPlanRunner } from './modules/allocation/allocation.jobs';
import { allocationRoutes } from './modules/allocation/allocation.routes';
import { createAllocationService } from './modules/allocation/allocation.service';
import { createPlanReader } from './modules/allocation/plan-reader';
import { createAxiosWebhookSender, type WebhookSender } from './modules/webhooks/webhook-sender';
import { webhookJobs } from './modules/webhooks/webhooks.jobs';
import { webhooksRoutes } from './modules/webhooks/webhooks.routes';
import { createWebhooksService, type WebhookPolicy } from './modules/webhooks/webhooks.service';
import { createDeliverySnapshotCache } from './modules/delivery/delivery-snapshot';
import { deliveryRoutes, estimateRateLimit, estimateRoute, holdRoute } from './modules/delivery/delivery.routes';
import { accessRoutes, createAccessService } from './modules/access';
import { deliveryReaders } from './modules/delivery';
import { createQueueService, queueJoinRoute, queueRoutes } from './modules/queue';
import { createDeliveryService } from './modules/delivery/delivery.service';
import { pickupRoutes } from './modules/pickup/pickup.routes';
import { createPickupService } from './modules/pickup/pickup.service';
import { reportsRoutes } from './modules/reports/reports.routes';
import { returnsRoutes } from './modules/returns/returns.routes';
import { createReturnsService } from './modules/returns/returns.service';
import { createReportsService } from './modules/reports/reports.service';
import { createIdempotency } from './http/idempotency';
import { createIdempotencyService } from './modules/idempotency/idempotency.service';
import { createChangeFeed } from './shared/change-feed';
import { systemClock, type Clock } from './shared/clock';
import type { Logger } from './shared/logger';
import type { WorkerPool } from './shared/worker-pool';
import { webRoutes } from './web/web.routes';

/**
 * The composition root: every service built once from the database and config, and the routers
 * that expose them. Entry points (HTTP, CLI, jobs) take what they need from here.
 */
export function createServices(deps: {
  db: Database;
  config: AppConfig;
  logger: Logger;
  clock?: Clock;
  /** Worker threads for heavy work (plans, training); without one it runs in-process (CLI, most tests). */
  workers?: WorkerPool;
  webhookSender?: WebhookSender;
  webhookPolicy?: Partial<WebhookPolicy>;
  /** where training runs execute (default: a worker thread); the CLI runs them inline */
  trainingExecutor?: TrainingExecutor;
  /** the shipped simulated history (default data/history/simulated-history.json); null: none */
  priorHistoryPath?: string | null;
}) {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;
  const catalog = createCatalogService(db);
  const keys = createKeysService(db, { catalog });
  const signals = createSignalsService(db, { catalog, clock });
  /** Domain metrics (the stock ledger's), served at /metrics next to the HTTP ones. */
  const metricsRegistry = new Registry();
  /** Idempotency-Key on POST requests: mounted by the app after authentication. */
  const idempotency = createIdempotency(
    createIdempotencyService(db, { clock, leaseMs: deps.config.idempotencyLeaseMs }),
  );
  const importLimits = deps.config.limits;
  const routers: Router[] = [keysRoutes(keys), catalogRoutes(catalog), signalsRoutes(signals, importLimits)];
  /** Routes that authenticate by other means than an API key (HMAC-signed partner requests). */
  const publicRouters: Router[] = [signedSignalsRoutes(signals, importLimits, idempotency)];
  /** POST paths whose JSON bodies may be large (bulk imports); every other JSON body is small. */
  const bulkJsonPaths: RegExp[] = [...BULK_JSON_PATHS];
  /** Pages outside /v1, mounted after the API so API requests never walk them: the dashboard at /app/ (issue 7). */
  const pageRouters: Router[] = [webRoutes()];
  // What other modules read of plans and forecasts goes through their owners' readers.
  const planReader = createPlanReader(db);
  const forecastReader = createForecastReader(db);
  // Local pickup (issue 17): hubs' pickup offers and slots, read by estimates, holds, plans and partners.
  const pickup = createPickupService(db, { catalog, clock, holds: deliveryReaders });
  routers.push(pickupRoutes(pickup));
  const snapshots = createDeliverySnapshotCache({ db, plans: planReader, pickups: pickup, clock, logger: deps.logger });
  // Community access (issue 16): tiers with reserved stock and per-account limits, checked in the hold's transaction.
  const access = createAccessService({ db, clock, catalog });
  routers.push(accessRoutes(access));
  // The fair queue for sold-out stock (issue 16): freed units are offered in the freeing transaction (migration 0022).
  const queue = createQueueService({ db, clock, snapshots, catalog, access });
  const delivery = createDeliveryService({
    db,
    clock,
    snapshots,
    catalog,
    plans: planReader,
    forecasts: forecastReader,
    pickups: pickup,
    access,
    queue,
    logger: deps.logger.child({ module: 'delivery' }),
    metrics: metricsRegistry,
  });
  routers.push(queueRoutes(queue));
  const estimateLimit = estimateRateLimit(deps.config.estimateRateLimitPerMinute);
  routers.push(deliveryRoutes(delivery, estimateLimit));
  /** Authenticated routes the app mounts first (the storefronts' hot paths, src/http/hot-route.ts). */
  const hotRoutes: HotRoute[] = [estimateRoute(delivery, estimateLimit), holdRoute(delivery), queueJoinRoute(queue)];
  /** Scheduled and on-demand work, run through the job queue (src/jobs/queue.ts: one worker per tick). */
  const jobs: Job[] = [];
  jobs.push({
    id: 'signals.sweep-staged-imports',
    schedule: '17 * * * *',
    run: async () => void (await signals.sweepStagedImports()),
  });
  jobs.push({
    id: 'delivery.expire-holds',
    schedule: '*/30 * * * * *',
    run: async () => void (await delivery.expireDueHolds()),
  });
  // Hoarding-signal data (fingerprints, account hashes, the salt) of drops closed 30 days ago and more.
  jobs.push({
    id: 'access.purge-signals',
    schedule: '43 * * * *',
    run: async ({ logger }) => {
      const purged = await access.purgeExpiredSignals((tx, dropIds) => queue.forgetAccounts(tx, dropIds));
      if (purged.drops.length > 0) logger.info({ drops: purged.drops, rows: purged.rows }, 'signal data purged');
    },
  });
  // Units a tier protected when they freed, and any offer a join raced with: offered within 10 s.
  jobs.push({
    id: 'queue.offer-available',
    schedule: '*/10 * * * * *',
    run: async () => void (await queue.offerAvailable()),
  });
  // The ledger's counters against its holds (also once at start); drift is logged, counted and repaired.
  jobs.push({
    id: 'delivery.reconcile-ledger',
    schedule: '15 * * * * *',
    run: async () => void (await delivery.reconcileLedger()),
  });
  jobs.push({
    id: 'idempotency.purge-expired',
    schedule: '0 */10 * * * *',
    run: async () => void (await idempotency.service.purgeExpired()),
  });
  // Forecasts (serving), the learning loop (closed drops → history) and the model registry with
  // training runs as jobs executed off the event loop (a worker thread).
  const jobRecords = createJobsService(db, { clock, logger: deps.logger });
  const dropSignals = createDropSignalsReader({ catalog, signals });
  const history = createDemandHistoryService(db, {
    clock,
    logger: deps.logger,
    reader: dropSignals,
    priorHistoryPath: deps.priorHistoryPath === undefined ? DEFAULT_PRIOR_HISTORY_PATH : deps.priorHistoryPath,
  });
  const trainingExecutor =
    deps.trainingExecutor ?? (deps.workers ? workerTrainingExecutor(deps.workers) : inlineTrainingExecutor);
  const models = createModelRegistryService(db, {
    provider: createModelProvider({
      modelsDir: deps.config.modelsDir,
      trainedModelsDir: deps.config.trainedModelsDir,
      logger: deps.logger,
    }),
    history,
    jobs: jobRecords,
    clock,
    logger: deps.logger,
    executor: trainingExecutor,
  });
  const forecast = createForecastService(db, {
    catalog,
    clock,
    logger: deps.logger,
    reader: dropSignals,
    history,
    registry: models,
  });
  routers.push(forecastRoutes(forecast, jobRecords), modelsRoutes(models), jobsRoutes(jobRecords));
  jobs.push(...forecastJobs(forecast, models));
  registerForecastRunner(jobRecords, forecast);
  // Long work asked for with `Prefer: respond-async` (and training): a worker runs the job record.
  jobs.push({
    id: RUN_JOB,
    run: async ({ data, execution }) =>
      jobRecords.execute(String((data as { jobId: unknown }).jobId), execution.attempt > 0),
  });
  // Plans (issue 5) and the webhooks that announce published ones; the sender is injectable for tests.
  const webhooks = createWebhooksService(db, {
    catalog,
    clock,
    logger: deps.logger,
    sender: deps.webhookSender ?? createAxiosWebhookSender(),
    policy: { timeoutMs: deps.config.webhookTimeoutMs, ...deps.webhookPolicy },
  });
  const allocation = createAllocationService(db, {
    catalog,
    webhooks,
    clock,
    workers: deps.workers,
    pickups: pickup,
    tierShares: (dropId) => access.reserveShares(dropId),
    planWriteDelayRatio: deps.config.planWriteDelayRatio,
  });
  /** The planner on another clock: the demo's past drop is planned as of a week before it opened. */
  const plannerAt = (at: Clock) =>
    createAllocationService(db, { catalog, webhooks, clock: at, workers: deps.workers, pickups: pickup });
  routers.push(allocationRoutes(allocation, jobRecords), webhooksRoutes(webhooks));
  registerPlanRunner(jobRecords, allocation);
  jobs.push(...allocationJobs(allocation), ...webhookJobs(webhooks));
  // Returns (issue 17): inspection at the receiving hub, then back into stock (or discounted, repair).
  const returns = createReturnsService({
    db,
    clock,
    logger: deps.logger.child({ module: 'returns' }),
    stock: delivery,
    catalog,
    preorders: signals,
  });
  routers.push(returnsRoutes(returns));
  jobs.push({
    id: 'returns.resolve-inspected',
    schedule: '*/30 * * * * *',
    run: async () => void (await returns.resolveInspectedReturns()),
  });
  // After the drop (issue 8): a report within a minute of close, then the drop joins the training history.
  const reports = createReportsService({
    db,
    clock,
    logger: deps.logger,
    catalog,
    plans: planReader,
    forecasts: forecastReader,
    stock: delivery,
    returns,
    access,
    queue,
    recordClosedDrop: (dropId) => history.recordClosedDrop(dropId),
  });
  routers.push(reportsRoutes(reports));
  jobs.push({
    id: 'reports.closed-drops',
    schedule: '*/20 * * * * *',
    run: async () => void (await reports.reportClosedDrops()),
  });

  // Caches refresh on NOTIFY from any replica (triggers in migration 0006).
  const changes = createChangeFeed(db, deps.logger);
  // A reconnected feed may have missed a revocation: every cached key is checked again on its next
  // use, yet still known if the database drops once more. A real notification is a revocation.
  changes.on('mf_keys', (payload) => (payload === 'reconnected' ? keys.revalidateCache() : keys.clearCache()));
  changes.on('mf_catalog', () => {
    snapshots.scheduleReload('catalog');
    access.clearCache();
  });
  changes.on('mf_stock', () => snapshots.scheduleReload('stock'));
  /** Loads caches and subscribes to changes; call once before serving. */
  async function start() {
    await snapshots.reloadAll();
    await delivery.reconcileLedger();
    await changes.start();
    // Holds move only `held`, which does not NOTIFY: every replica re-reads the counters twice a second.
    snapshots.pollStock(500);
  }
  async function stop() {
    snapshots.stop();
    await models.idle();
    await jobRecords.idle();
    await models.provider.dispose();
    await webhooks.idle();
    await changes.stop();
  }
  return {
    db,
    config: deps.config,
    logger: deps.logger,
    clock,
    keys,
    catalog,
    signals,
    forecast,
    history,
    models,
    jobRecords,
    delivery,
    queue,
    allocation,
    plannerAt,
    webhooks,
    reports,
    returns,
    pickup,
    snapshots,
    idempotency,
    metricsRegistry,
    routers,
    hotRoutes,
    publicRouters,
    bulkJsonPaths,
    pageRouters,
    jobs,
    start,
    stop,
  };
}

export type Services = ReturnType<typeof createServices>;
