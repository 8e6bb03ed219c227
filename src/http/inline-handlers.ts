import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Several handlers run as one express handler: each one's `next()` calls the following one
 * directly, a thrown error or a rejected promise goes to express's error handling, and the last
 * one's `next()` falls through to express. Used for the hot estimate route, where express's own
 * walk from layer to layer (path matching, parameter processing, prefix trimming per layer) cost
 * more per request than the layers' work.
 */
export function inlineHandlers(handlers: readonly RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let index = 0;
    const step = (error?: unknown): void => {
      if (error !== undefined && error !== null) {
        next(error);
        return;
      }
      const handler = handlers[index++];
      if (!handler) {
        next();
        return;
      }
      try {
        const result: unknown = handler(req, res, step);
        if (result instanceof Promise) result.catch(next);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
