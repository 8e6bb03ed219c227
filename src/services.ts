import type { Router } from 'express';
import type { AppConfig } from './config';
import type { Database } from './db/database';
import { catalogRoutes } from './modules/catalog/catalog.routes';
import { createCatalogService } from './modules/catalog/catalog.service';
import { keysRoutes } from './modules/keys/keys.routes';
import { createKeysService } from './modules/keys/keys.service';
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
  const routers: Router[] = [keysRoutes(keys), catalogRoutes(catalog)];
  /** Routes outside /v1 authentication (e.g. the dashboard's static pages). */
  const publicRouters: Router[] = [];
  return { db, config: deps.config, logger: deps.logger, clock, keys, catalog, routers, publicRouters };
}

export type Services = ReturnType<typeof createServices>;
