import type { NextFunction, Request, Response } from 'express';
import { AppError } from './app-error';
import { sendProblem } from './problem';

interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
}

/** Maps every error to problem+json: AppErrors as declared, body-parser errors by type, the rest 500. */
export function problemErrorHandler(error: unknown, req: Request, res: Response, _next: NextFunction): void {
  const appError = toAppError(error);
  if (appError.status >= 500) req.log.error({ err: error }, 'request failed');
  else req.log.info({ code: appError.code, detail: appError.message }, 'request refused');
  if (res.headersSent) {
    res.end();
    return;
  }
  sendProblem(res, appError, req.requestId);
}

function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const parserError = error as BodyParserError;
  switch (parserError?.type) {
    case 'entity.parse.failed':
      return new AppError('bad_request', `The body is not valid JSON: ${parserError.message ?? ''}`.trim());
    case 'entity.too.large':
      return new AppError('payload_too_large', 'The body is larger than this endpoint accepts');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', parserError.message ?? 'Unsupported encoding');
  }
  return new AppError('internal', 'An unexpected error occurred; the request id identifies it in the logs', {
    internalMessage: error instanceof Error ? error.message : String(error),
  });
}

export function unknownRoute(req: Request): never {
  throw new AppError('not_found', `No route ${req.method} ${req.path}`);
}
