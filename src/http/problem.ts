import type { Response } from 'express';
import type { components } from '../generated/openapi';
import type { AppError } from './app-error';

export type Problem = components['schemas']['Problem'];

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemFrom(error: AppError, instance: string, requestId: string): Problem {
  // Extensions first: no extension may overwrite a member RFC 9457 defines (a `status` extension
  // once replaced the HTTP status number with a plan's status).
  return {
    ...error.options.extensions,
    type: `/problems/${error.code.replaceAll('_', '-')}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    instance,
    code: error.code,
    request_id: requestId,
    ...(error.options.errors ? { errors: error.options.errors } : {}),
  };
}

export function sendProblem(res: Response, error: AppError, requestId: string): void {
  for (const [name, value] of Object.entries(error.options.headers ?? {})) res.setHeader(name, value);
  res
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemFrom(error, res.req.originalUrl, requestId)));
}
