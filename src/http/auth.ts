import type { NextFunction, Request, Response } from 'express';
import type { KeysService } from '../modules/keys/keys.service';
import { AppError } from './app-error';

/** Reads `Authorization: Bearer <key>` (or `X-API-Key`) and resolves it to a principal, else 401. */
export function authenticate(keys: Pick<KeysService, 'authenticate'>) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const header = req.get('authorization');
    const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : req.get('x-api-key');
    if (!presented)
      throw new AppError('unauthorized', 'Send an API key as "Authorization: Bearer <key>"', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    const principal = await keys.authenticate(presented);
    if (!principal)
      throw new AppError('unauthorized', 'The API key is unknown or revoked', {
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    // The request's logger picks the key id up when first used (see app.ts); no child logger here.
    req.principal = principal;
    next();
  };
}
