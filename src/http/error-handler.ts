import type { NextFunction, Request, Response } from 'express';
import { AppError, type ErrorCode } from './app-error';
import { sendProblem } from './problem';

interface HttpLikeError {
  type?: string;
  status?: unknown;
  statusCode?: unknown;
  expose?: boolean;
  code?: unknown;
  message?: string;
}

/**
 * Maps every error to problem+json: AppErrors as declared; errors raised by express and its
 * static-file and routing layers on bad input (a path that does not percent-decode, a malformed
 * range, an aborted upload) by their 4xx status; anything else is a bug, answered 500 and logged.
 */
export function problemErrorHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const appError = toAppError(error);
  if (appError.status >= 500 && appError.code !== 'unavailable') req.log.error({ err: error }, 'request failed');
  else if (appError.status >= 500) req.log.warn({ code: appError.code, detail: appError.message }, 'request refused');
  else req.log.info({ code: appError.code, detail: appError.message }, 'request refused');
  if (res.headersSent) {
    res.end();
    return;
  }
  sendProblem(res, appError, req.requestId);
  // Refused before its body was read (no key, too large, bad encoding): the rest is discarded as it
  // arrives, never parsed or kept, so the client reads its answer instead of a broken pipe; the
  // server's requestTimeout bounds an upload that never ends.
  if (!req.complete) req.resume();
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  409: 'conflict',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
};

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof URIError)
    return new AppError('bad_request', 'The request path is not valid percent-encoded UTF-8', {
      internalMessage: error.message,
    });
  const httpError = (error ?? {}) as HttpLikeError;
  if (httpError.code === 'ECONNRESET' && httpError.message === 'aborted')
    return new AppError('bad_request', 'The request was aborted before its body was complete');
  const status = Number(httpError.status ?? httpError.statusCode);
  if (Number.isInteger(status) && status >= 400 && status < 500) {
    const code = CODE_BY_STATUS[status] ?? 'bad_request';
    const detail = httpError.expose && httpError.message ? httpError.message : `The request was refused (${status})`;
    return new AppError(code, detail, { internalMessage: httpError.message });
  }
  return new AppError('internal', 'An unexpected error occurred; the request id identifies it in the logs', {
    internalMessage: error instanceof Error ? error.message : String(error),
  });
}

export function unknownRoute(req: Request): never {
  throw new AppError('not_found', `No route ${req.method} ${req.path}`);
}
