import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../shared/logger';
import { ID_PATTERN, ID_RULE } from '../shared/ids';
import { AppError } from './app-error';
import type { Principal, Role } from './principal';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      requestId: string;
      log: Logger;
      principal?: Principal;
    }
  }
}

export function principalOf(req: Request): Principal {
  if (!req.principal) throw new AppError('unauthorized', 'An API key is required');
  return req.principal;
}

/**
 * Route guard by role. A role that may not use a route gets 404, like another tenant's id:
 * a key never learns what lies outside its scope.
 */
export function allowRoles(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const principal = principalOf(req);
    if (!roles.includes(principal.role)) throw new AppError('not_found', `No route ${req.method} ${req.path}`);
    next();
  };
}

/** A path parameter that must be an id; a malformed one is a 400 naming the parameter. */
export function pathId(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new AppError('validation_failed', `The path parameter ${name} is not a valid id`, {
      errors: [{ path: name, message: ID_RULE }],
    });
  }
  return value;
}
