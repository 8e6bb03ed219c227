import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Express, IRoute, Request, RequestHandler, Response } from 'express';
import { AppError } from './app-error';

/** A hot route whose path has no parameters: answered without walking express's router. */
export interface DirectRoute {
  method: 'GET' | 'POST';
  path: string;
  /** The express route the same handler is mounted on (its template names the route in metrics). */
  route: IRoute;
  handler: RequestHandler;
}

type AppHandle = (req: IncomingMessage, res: ServerResponse, callback?: (error?: unknown) => void) => void;

/**
 * Answers a request for exactly a direct route's path (`/v1/estimates` or `/v1/estimates?…`, with
 * the route's method) before express's router walks its layers: it gets what express gives every
 * request (the app's request and response prototypes, locals, the route it matched) and goes
 * straight to the route's handler; an error goes to the app's error handler. The router's walk
 * (path parsing, layer matching, parameter processing, restoring state per layer) cost a storefront's
 * estimate a tenth of its CPU, more than the estimate itself. Every other request (HEAD, another
 * spelling of the path, another path) goes through the router as before, where the same handler
 * is mounted too, so both ways answer alike.
 */
export function answerDirectRoutesFirst(
  app: Express,
  routes: readonly DirectRoute[],
  onError: ErrorRequestHandler,
): void {
  const byMethod = new Map<string, Map<string, DirectRoute>>();
  for (const route of routes) {
    const paths = byMethod.get(route.method) ?? new Map<string, DirectRoute>();
    paths.set(route.path, route);
    byMethod.set(route.method, paths);
  }
  const application = app as unknown as { handle: AppHandle };
  const throughRouter: AppHandle = application.handle.bind(app);
  application.handle = (incoming, outgoing, callback) => {
    const paths = callback === undefined ? byMethod.get(incoming.method ?? '') : undefined;
    const url = incoming.url ?? '';
    const queryAt = url.indexOf('?');
    const direct = paths?.get(queryAt < 0 ? url : url.slice(0, queryAt));
    if (!direct) {
      throughRouter(incoming, outgoing, callback);
      return;
    }
    const req = incoming as Request;
    const res = outgoing as Response;
    req.res = res;
    res.req = req;
    Object.setPrototypeOf(req, app.request);
    Object.setPrototypeOf(res, app.response);
    res.locals ??= Object.create(null) as Response['locals'];
    req.originalUrl = url;
    req.baseUrl = '';
    req.params = {};
    req.route = direct.route;
    // The direct handlers end every request themselves; one that fell through would have had no route.
    const next = (error?: unknown) =>
      onError(error ?? new AppError('not_found', `No route ${req.method} ${req.path}`), req, res, () => undefined);
    req.next = next;
    try {
      const result: unknown = direct.handler(req, res, next);
      if (result instanceof Promise) result.catch(next);
    } catch (thrown) {
      next(thrown);
    }
  };
}
