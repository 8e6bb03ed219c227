import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../shared/logger';

/**
 * One access-log line per request at info: method, route template (bounded, never the ids in the
 * path), status, duration, request id and the API key's id (never the key). The estimate routes
 * are the hot path: their successful answers are sampled (`estimateSampleRate`, 0–1); a refused or
 * failed estimate is always logged.
 */
export function accessLog(logger: Logger, options: { estimateSampleRate: number; random?: () => number }) {
  const random = options.random ?? Math.random;
  return (req: Request, res: Response, next: NextFunction) => {
    const start = performance.now();
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      if (
        res.statusCode < 400 &&
        route.startsWith('/v1/estimates') &&
        (options.estimateSampleRate <= 0 || random() >= options.estimateSampleRate)
      ) {
        return;
      }
      logger.info(
        {
          method: req.method,
          route,
          status: res.statusCode,
          ms: Math.round((performance.now() - start) * 10) / 10,
          requestId: req.requestId,
          keyId: req.principal?.keyId ?? null,
        },
        'request',
      );
    });
    next();
  };
}
