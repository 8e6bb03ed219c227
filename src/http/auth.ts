import type { NextFunction, Request, Response } from 'express';
import type { KeysService } from '../modules/keys/keys.service';
import { AppError } from './app-error';
import type { Principal } from './principal';

/** Reads `Authorization: Bearer <key>` (or `X-API-Key`) and resolves it to a principal, else 401. */
export function authenticate(keys: Pick<KeysService, 'authenticate' | 'recentlyAuthenticated'>) {
  return (req: Request, _res: Response, next: NextFunction): void | Promise<void> => {
    const header = req.get('authorization');
    const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : req.get('x-api-key');
    if (!presented)
      throw new AppError('unauthorized', 'Send an API key as "Authorization: Bearer <key>"', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    // A key checked moments ago goes on in the same tick; only a cache miss waits for the database.
    const recent = keys.recentlyAuthenticated(presented);
    if (recent) {
      accept(req, recent, next);
      return;
    }
    return keys.authenticate(presented).then((principal) => {
      if (!principal)
        throw new AppError('unauthorized', 'The API key is unknown or revoked', {
          headers: { 'WWW-Authenticate': 'Bearer' },
        });
      accept(req, principal, next);
    });
  };
}

function accept(req: Request, principal: Principal, next: NextFunction): void {
  // The request's logger picks the key id up when first used (see app.ts); no child logger here.
  req.principal = principal;
  next();
}
