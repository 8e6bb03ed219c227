import type { Server } from 'node:http';
import { ConfigError, loadConfig } from './config';
import { DataFolderLockedError } from './db/data-folder-lock';
import { migrate } from './db/migrate';
import { openDatabase } from './db/open-database';
import { createApp } from './http/app';
import { createScheduler } from './jobs/scheduler';
import { loadDemoCatalog } from './modules/catalog/demo-catalog';
import { createServices } from './services';
import { createLogger } from './shared/logger';

/** `npm start`: config → database → migrations → demo data → HTTP, with a graceful SIGTERM. */
async function main() {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const db = await openDatabase(config);
  const applied = await migrate(db);
  logger.info({ engine: db.engine, applied }, 'database ready');

  const services = createServices({ db, config, logger });
  const adminKey = await services.keys.ensureBootstrapAdminKey();
  const demo = config.loadDemoData
    ? await loadDemoCatalog(services.catalog, services.clock, undefined, services.signals)
    : undefined;

  await services.start();
  const scheduler = createScheduler(db, services.jobs, logger);
  if (config.schedulerEnabled) scheduler.start();

  let accepting = true;
  const app = createApp({ services, logger, isAcceptingTraffic: () => accepting });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host}:${port}`;
  printBanner({
    base,
    engine: db.engine,
    where: config.databaseUrl ? 'DATABASE_URL' : config.dataDir,
    adminKey,
    demoDropId: demo?.dropId,
  });

  const shutdown = async (signal: string) => {
    if (!accepting) return;
    accepting = false;
    logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => {
      logger.warn('grace period over: closing remaining connections');
      server.closeAllConnections();
    }, config.shutdownGraceMs);
    force.unref();
    server.closeIdleConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await scheduler.stop();
    await services.stop();
    await db.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function printBanner(info: { base: string; engine: string; where: string; adminKey?: string; demoDropId?: string }) {
  const lines = [
    '',
    `  Micro-fulfilment planner is up (${info.engine}: ${info.where})`,
    '',
    `  API base      ${info.base}/v1`,
    `  Dashboard     ${info.base}/app/`,
    `  API docs      ${info.base}/docs`,
    `  OpenAPI spec  ${info.base}/openapi.yaml`,
    `  Health        ${info.base}/readyz   Metrics ${info.base}/metrics`,
  ];
  if (info.demoDropId) lines.push(`  Demo drop     ${info.base}/v1/drops/${info.demoDropId}`);
  if (info.adminKey) {
    lines.push('', '  Admin API key (created now, stored hashed, shown only this once):', `    ${info.adminKey}`);
    lines.push(`  Try: curl -H "Authorization: Bearer ${info.adminKey}" ${info.base}/v1/drops`);
  } else {
    lines.push('', '  An admin key already exists. Make another with: npm run key -- create --role admin');
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  if (error instanceof DataFolderLockedError) {
    process.stderr.write(`Cannot start: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
