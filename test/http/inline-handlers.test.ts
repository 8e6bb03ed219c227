import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineHandlers } from '../../src/http/inline-handlers';

/**
 * The hot estimate route runs its layers as one express handler. It must behave as express's own
 * chain would: handlers in order, a thrown error or a rejected promise (sync or after an await)
 * to the error handler, an error passed to next() likewise, and the last next() falling through.
 */
const seen: string[] = [];
let base: string;
let close: () => void;

const mark =
  (name: string): RequestHandler =>
  (_req, _res, next) => {
    seen.push(name);
    next();
  };

beforeAll(async () => {
  const app = express();
  app.get(
    '/ok',
    inlineHandlers([
      mark('a'),
      async (_req, _res, next) => {
        await Promise.resolve();
        seen.push('b (after an await)');
        next();
      },
      (_req, res) => void res.json({ order: seen }),
    ]),
  );
  app.get(
    '/throws',
    inlineHandlers([
      mark('a'),
      () => {
        throw new Error('thrown');
      },
      mark('never'),
    ]),
  );
  app.get(
    '/rejects',
    inlineHandlers([
      mark('a'),
      async () => {
        await Promise.resolve();
        throw new Error('rejected');
      },
      mark('never'),
    ]),
  );
  app.get('/next-error', inlineHandlers([(_req, _res, next) => next(new Error('passed')), mark('never')]));
  app.get('/falls-through', inlineHandlers([mark('a'), mark('b')]), (_req, res) => void res.json({ order: seen }));
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: error.message, order: seen });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close?.());

async function get(path: string): Promise<{ status: number; body: { order: string[]; error?: string } }> {
  seen.length = 0;
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as { order: string[]; error?: string } };
}

describe('inlineHandlers', () => {
  it('runs the handlers in order, across an await', async () => {
    expect(await get('/ok')).toEqual({ status: 200, body: { order: ['a', 'b (after an await)'] } });
  });

  it('sends a thrown error, a rejected promise and an error passed to next() to the error handler', async () => {
    expect(await get('/throws')).toEqual({ status: 500, body: { error: 'thrown', order: ['a'] } });
    expect(await get('/rejects')).toEqual({ status: 500, body: { error: 'rejected', order: ['a'] } });
    expect(await get('/next-error')).toEqual({ status: 500, body: { error: 'passed', order: [] } });
  });

  it("falls through to express's next handler after the last one", async () => {
    expect(await get('/falls-through')).toEqual({ status: 200, body: { order: ['a', 'b'] } });
  });
});
