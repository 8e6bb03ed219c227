import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerDirectRoutesFirst } from '../../src/http/direct-routes';
import { problemErrorHandler } from '../../src/http/error-handler';
import { AppError } from '../../src/http/app-error';
import { createLogger } from '../../src/shared/logger';

/**
 * A route answered before express's router must behave as the router would: express's request and
 * response helpers work, the matched route is named, a thrown error or a rejected promise becomes
 * the app's problem answer, a handler that falls through is a 404, and every other request (HEAD,
 * another path or method) goes through the router. Over real HTTP.
 */
const walkedRouter: string[] = [];
let base: string;
let close: () => void;

beforeAll(async () => {
  const app = express();
  Object.defineProperty(app.request, 'log', { value: createLogger('silent') });
  app.use((req, _res, next) => {
    walkedRouter.push(`${req.method} ${req.url}`);
    next();
  });
  const mount = (path: string, handler: RequestHandler) => ({
    method: 'GET' as const,
    path,
    handler,
    route: app.route(path).get(handler),
  });
  const routes = [
    mount('/hot', (req, res) => {
      res.status(201).json({ query: req.query, route: String(req.route?.path), path: req.path });
    }),
    mount('/throws', () => {
      throw new AppError('conflict', 'thrown');
    }),
    mount('/rejects', async () => {
      await Promise.resolve();
      throw new AppError('unprocessable', 'rejected');
    }),
    mount('/falls-through', (_req, _res, next) => next()),
  ];
  app.use(problemErrorHandler);
  answerDirectRoutesFirst(app, routes, problemErrorHandler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

describe('routes answered before the router', () => {
  it('answers with express helpers, the query and the route, without walking the router', async () => {
    walkedRouter.length = 0;
    const res = await fetch(`${base}/hot?a=1&b=two`);
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ query: { a: '1', b: 'two' }, route: '/hot', path: '/hot' });
    expect(walkedRouter).toEqual([]);
  });

  it('turns a thrown error and a rejected promise into problems, and a fall-through into a 404', async () => {
    const thrown = await fetch(`${base}/throws`);
    expect(thrown.status).toBe(409);
    expect(thrown.headers.get('content-type')).toContain('application/problem+json');
    expect(await thrown.json()).toMatchObject({ code: 'conflict', detail: 'thrown' });
    const rejected = await fetch(`${base}/rejects`);
    expect(rejected.status).toBe(422);
    expect(await rejected.json()).toMatchObject({ code: 'unprocessable', detail: 'rejected' });
    const fell = await fetch(`${base}/falls-through`);
    expect(fell.status).toBe(404);
    expect(await fell.json()).toMatchObject({ code: 'not_found' });
  });

  it('sends every other request through the router: HEAD, another spelling, another method', async () => {
    walkedRouter.length = 0;
    expect((await fetch(`${base}/hot`, { method: 'HEAD' })).status).toBe(201);
    expect((await fetch(`${base}/hot/?x=1`)).status).toBe(201);
    expect((await fetch(`${base}/hot`, { method: 'POST' })).status).toBe(404);
    expect(walkedRouter).toEqual(['HEAD /hot', 'GET /hot/?x=1', 'POST /hot']);
  });
});
