import http, { type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from './config';
import { DataFolderLockedError } from './db/data-folder-lock';
import { migrate } from './db/migrate';
import { openDatabase } from './db/open-database';
import { createApp } from './http/app';
import { answerClientErrors } from './http/client-errors';
import { createJobQueue, type Job } from './jobs/queue';
import { RUN_JOB } from './modules/jobs/jobs.service';
import { loadDemoCatalog } from './demo/demo-catalog';
import { createServices } from './services';
import { createLogger } from './shared/logger';
import { createWorkerPool } from './shared/worker-pool';

/** Binds the port, or rejects with the listen error (EADDRINUSE, EACCES, …); nothing is served before. */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => reject(error);
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
}

/** Every request while the service starts: 503 problem+json (liveness at /healthz is fine). */
function answerStarting(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok' }));
    return;
  }
  const problem = {
    type: '/problems/unavailable',
    title: 'Service unavailable',
    status: 503,
    detail: 'The service is starting; retry shortly',
    code: 'unavailable',
    reason: 'starting',
  };
  res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '2' }).end(JSON.stringify(problem));
}

/** Why the port could not be bound, naming it. */
function listenFailure(error: NodeJS.ErrnoException, host: string, port: number): string {
  const where = `${host}:${port}`;
  if (error.code === 'EADDRINUSE')
    return `Cannot listen on ${where}: port ${port} is already in use (set PORT to another port)`;
  if (error.code === 'EACCES') return `Cannot listen on ${where}: permission denied for port ${port}`;
  if (error.code === 'EADDRNOTAVAIL') return `Cannot listen on ${where}: address ${host} is not available here`;
  return `Cannot listen on ${where} (port ${port}): ${error.code ?? ''} ${error.message}`.trim();
}

/**
 * `npm start`: config → port → database → migrations → demo data → serving → jobs, with a graceful
 * SIGTERM. The port is bound first: when it cannot be, the process exits non-zero with a message
 * naming the port, and nothing was opened or started.
 */
export async function main(extra: { jobs?: Job[] } = {}) {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  // The port first: a port in use fails in milliseconds, before the database, migrations and demo
  // data take their time. Until the service is ready every request answers 503 "starting".
  const server = http.createServer();
  answerClientErrors(server);
  let handleRequest: http.RequestListener = answerStarting;
  server.on('request', (req, res) => handleRequest(req, res));
  try {
    await listen(server, config.port, config.host);
  } catch (error) {
    process.stderr.write(`${listenFailure(error as NodeJS.ErrnoException, config.host, config.port)}\n`);
    process.exit(1);
  }
  // After a listen error, a server that later fails (e.g. too many open files) is logged, not fatal.
  server.on('error', (error) => logger.error({ err: error }, 'HTTP server error'));

  const db = await openDatabase(config, (message, error) => logger.warn({ err: error }, message));
  const applied = await migrate(db);
  logger.info({ engine: db.engine, applied }, 'database ready');

  const workers = await createWorkerPool({ threads: config.workerThreads, nice: config.workerThreadNice });
  const services = createServices({ db, config, logger, workers });
  // The first admin key is made by the process that runs jobs, so replicas starting together
  // never race to make two.
  const adminKey = config.role === 'api' ? undefined : await services.keys.ensureBootstrapAdminKey();
  // Demo data is written once, by the process that runs jobs (API replicas only read).
  const demo =
    config.loadDemoData && config.role !== 'api'
      ? await loadDemoCatalog(services.catalog, services.clock, undefined, services.signals, {
          forecast: services.forecast,
          plannerAt: services.plannerAt,
          reports: services.reports,
        })
      : undefined;

  await services.start();
  let accepting = true;
  handleRequest = createApp({
    services,
    logger,
    isAcceptingTraffic: () => accepting,
    serveApi: config.role !== 'worker',
  });
  // The job queue (pg-boss, in this database): every process can queue work; workers and
  // schedules run where jobs run (worker or all). pg-boss keeps each tick to one worker.
  const workersHere = config.schedulerEnabled && config.role !== 'api';
  const queue = createJobQueue(db, [...services.jobs, ...(extra.jobs ?? [])], logger, {
    workers: workersHere,
    stopGraceMs: Math.floor(config.shutdownGraceMs / 2),
  });
  await queue.start();
  // Long work (training, and computations asked for with `Prefer: respond-async`) goes to the queue
  // when some process works it: an API replica relies on the worker replicas; with SCHEDULER=off a
  // process that serves the API runs it itself.
  if (config.role === 'api' || workersHere) services.jobRecords.useQueue((jobId) => queue.send(RUN_JOB, { jobId }));

  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const base = `http://${config.host}:${port}`;
  printBanner({
    role: config.role,
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
    // A last resort if some close below hangs (a database that does not answer): exit anyway.
    setTimeout(() => process.exit(1), config.shutdownGraceMs + 2_000).unref();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    // A computation in a worker (a plan, a retrain) is stopped now, not waited for: its request
    // answers 503 with Retry-After and the client retries on another replica.
    await workers.close();
    await closed;
    await queue.stop();
    await services.stop();
    await db.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

function printBanner(info: {
  role: 'api' | 'worker' | 'all';
  base: string;
  engine: string;
  where: string;
  adminKey?: string;
  demoDropId?: string;
}) {
  if (info.role === 'worker') {
    const health = `  Health        ${info.base}/readyz   Metrics ${info.base}/metrics`;
    const title = `  Micro-fulfilment planner worker is up (ROLE=worker, ${info.engine}: ${info.where}): scheduled jobs`;
    const key = info.adminKey
      ? `\n  Admin API key (created now, stored hashed, shown only this once):\n    ${info.adminKey}\n`
      : '';
    process.stdout.write(`\n${title}\n\n${health}\n${key}\n`);
    return;
  }
  const lines = [
    '',
    `  Micro-fulfilment planner is up (${info.role === 'api' ? 'ROLE=api, ' : ''}${info.engine}: ${info.where})`,
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

/** Starts the service (`extra.jobs`: more scheduled work, for a process built on this one, e.g. a test probe). */
export function run(extra: { jobs?: Job[] } = {}): void {
  main(extra).catch(fail);
}

function fail(error: unknown): void {
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
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) run();
