import type { Request, RequestHandler, Response } from 'express';

/** Told about every request once its response has been sent: its duration and route template. */
export type FinishedRequestObserver = (req: Request, res: Response, ms: number, route: string) => void;

/**
 * One 'finish' listener per request for every observer (metrics, the access log): the estimate
 * route is hot, and a listener, a clock read and a route string per observer were a visible share
 * of its cost. The route is the template (`/v1/drops/:dropId`), never the ids in the path, so the
 * observers' labels stay bounded; paths no route matched share 'unmatched'.
 */
export function observeFinishedRequests(observers: readonly FinishedRequestObserver[]): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    res.on('finish', () => {
      const ms = performance.now() - start;
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      for (const observe of observers) observe(req, res, ms, route);
    });
    next();
  };
}
