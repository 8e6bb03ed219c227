import type { Router } from 'express';
import type { AppConfig } from './config';
import type { Database } from './db/database';
import { catalogRoutes } from './modules/catalog/catalog.routes';
import { createCatalogService } from './modules/catalog/catalog.service';
import { keysRoutes } from './modules/keys/keys.routes';
import { createKeysService } from './modules/keys/keys.service';
import { signalsRoutes, signedSignalsRoutes } from './modules/signals/signals.routes';
import { createSignalsService } from './modules/signals/signals.service';
import type { Job } from './jobs/scheduler';
import { systemClock, type Clock } from './shared/clock';
import type { Logger } from './shared/logger';

/**
 * The composition root: every service built once from the database and config, and the routers
 * that expose them. Entry points (HTTP, CLI, jobs) take what they need from here.
 */
export function createServices(deps: { db: Database; config: AppConfig; logger: Logger; clock?: Clock }) {
  const { db } = deps;
  const clock = deps.clock ?? systemClock;
  const keys = createKeysService(db);
  const catalog = createCatalogService(db);
  const signals = createSignalsService(db, { catalog, clock });
  const routers: Router[] = [keysRoutes(keys), catalogRoutes(catalog), signalsRoutes(signals)];
  /** Routes outside /v1 authentication (e.g. the dashboard's static pages). */
  const publicRouters: Router[] = [signedSignalsRoutes(signals)];
  /** Scheduled work, run by src/jobs/scheduler.ts (one replica per tick). */
  const jobs: Job[] = [];
  return { db, config: deps.config, logger: deps.logger, clock, keys, catalog, signals, routers, publicRouters, jobs };
}

export type Services = ReturnType<typeof createServices>;
