import type { Logger } from '../shared/logger';
import type { FinishedRequestObserver } from './finished-requests';

/**
 * One access-log line per request at info: method, route template (bounded, never the ids in the
 * path), status, duration, request id and the API key's id (never the key). The estimate routes
 * are the hot path: their successful answers are sampled (`estimateSampleRate`, 0–1); a refused or
 * failed estimate is always logged.
 */
export function accessLog(
  logger: Logger,
  options: { estimateSampleRate: number; random?: () => number },
): FinishedRequestObserver {
  const random = options.random ?? Math.random;
  return (req, res, ms, route) => {
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
        ms: Math.round(ms * 10) / 10,
        requestId: req.requestId,
        keyId: req.principal?.keyId ?? null,
      },
      'request',
    );
  };
}
