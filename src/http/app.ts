import { randomUUID } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { databaseAnswers } from '../db/readiness';
import { jsonBody } from './body';
import type { Services } from '../services';
import type { Logger } from '../shared/logger';
import { AppError } from './app-error';
import { authenticate } from './auth';
import type { ResponseBody } from './contract';
import { docsRoutes } from './docs';
import { problemErrorHandler, unknownRoute } from './error-handler';
import { accessLog } from './access-log';
import { observeFinishedRequests } from './finished-requests';
import { answerDirectRoutesFirst, type DirectRoute } from './direct-routes';
import { inlineHandlers } from './inline-handlers';
import { createMetrics } from './metrics';
import { contractOperations, rejectUndeclaredQuery, rejectUndeclaredQueryOf } from './operations';
import './request-context';

export interface AppOptions {
  services: Services;
  logger: Logger;
  /** False once shutdown begins, so /readyz tells load balancers to stop sending traffic. */
  isAcceptingTraffic?: () => boolean;
  /**
   * False in a ROLE=worker process: only /healthz, /readyz and /metrics are served (for the
   * orchestrator's health checks); every other path answers 404.
   */
  serveApi?: boolean;
}

const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

export function createApp({ services, logger, isAcceptingTraffic = () => true, serveApi = true }: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  // No blanket ETags (hashing every answer, the hot estimate included): the reads people poll set
  // strong ones themselves (src/http/etag.ts).
  app.set('etag', false);
  const metrics = createMetrics(services.metricsRegistry);
  // req.log is made on first use, from a getter on this app's request prototype: most requests never
  // log, and a per-request property definition would slow every request (the estimate path is hot).
  const childLoggers = new WeakMap<Request, Logger>();
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request) {
      let child = childLoggers.get(this);
      if (!child) {
        child = logger.child(
          this.principal
            ? { requestId: this.requestId, keyId: this.principal.keyId, role: this.principal.role }
            : { requestId: this.requestId },
        );
        childLoggers.set(this, child);
      }
      return child;
    },
  });

  const assignRequestId = (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.get('x-request-id');
    req.requestId = incoming && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    next();
  };
  const everyRequest = [
    assignRequestId,
    observeFinishedRequests([
      metrics.observeRequest,
      accessLog(logger, { estimateSampleRate: services.config.accessLog.estimateSampleRate }),
    ]),
  ];
  const auth = authenticate(services.keys);
  const { limits } = services.config;
  const bodies = jsonBody({
    maxDepth: limits.jsonMaxDepth,
    limitFor: (req) =>
      req.method === 'POST' && services.bulkJsonPaths.some((path) => path.test(req.originalUrl.split('?')[0]!))
        ? limits.bulkJsonBodyBytes
        : limits.jsonBodyBytes,
  });
  // The hot paths first, each as one handler (src/http/hot-route.ts): the same layers as any API
  // route, in the same order, inline. Every query parameter must be one the contract declares for
  // the operation: a typo is a 400 naming it, never a filter silently ignored.
  const operations = contractOperations();
  const directRoutes: DirectRoute[] = [];
  if (serveApi)
    for (const route of services.hotRoutes) {
      const op = route.path.includes(':') ? undefined : operations.find(route.method.toUpperCase(), route.path);
      const queryCheck = op ? rejectUndeclaredQueryOf(op) : rejectUndeclaredQuery(operations);
      const layers =
        route.method === 'get'
          ? [...everyRequest, auth, queryCheck, ...route.handlers]
          : [...everyRequest, auth, queryCheck, bodies, services.idempotency.middleware, ...route.handlers];
      const handler = inlineHandlers(layers);
      const expressRoute = app.route(route.path);
      if (route.method === 'get') expressRoute.get(handler);
      else expressRoute.post(handler);
      if (!route.path.includes(':'))
        directRoutes.push({
          method: route.method === 'get' ? 'GET' : 'POST',
          path: route.path,
          route: expressRoute,
          handler,
        });
    }
  app.use(...everyRequest);

  app.get('/healthz', (_req, res) => {
    const body: ResponseBody<'getHealth', 200> = { status: 'ok' };
    res.json(body);
  });
  app.get('/readyz', async (_req, res) => {
    if (!isAcceptingTraffic()) throw new AppError('unavailable', 'The service is shutting down');
    try {
      await databaseAnswers(services.db);
    } catch (error) {
      throw new AppError('unavailable', 'The database does not answer', { internalMessage: String(error) });
    }
    const body: ResponseBody<'getReadiness', 200> = { status: 'ok', database: services.db.engine };
    res.json(body);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  if (serveApi) serveApiRoutes(app, services, auth, operations, bodies);
  app.use(unknownRoute);
  app.use(problemErrorHandler);
  answerDirectRoutesFirst(app, directRoutes, problemErrorHandler);
  return app;
}

/** The API, its docs and the dashboard's pages (everything but health and metrics). */
function serveApiRoutes(
  app: Express,
  services: Services,
  auth: ReturnType<typeof authenticate>,
  operations: ReturnType<typeof contractOperations>,
  bodies: RequestHandler,
): void {
  // Routes that authenticate otherwise (HMAC over the raw body) read their own bodies, within limits.
  for (const router of services.publicRouters) app.use(router);

  // Every body is read after authentication: a request without a valid key never gets parsed.
  // Ordinary JSON is small; the bulk import routes take more; NDJSON and CSV stream in the route.
  app.use('/v1', auth);
  app.use('/v1', rejectUndeclaredQuery(operations));
  app.use('/v1', bodies);
  app.use('/v1', services.idempotency.middleware);
  for (const router of services.routers) app.use(router);

  // Docs and pages after the API: a /v1 request never walks their routes.
  app.use(docsRoutes());
  for (const router of services.pageRouters) app.use(router);
}
