import type { AddressInfo } from 'node:net';
import express from 'express';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problemErrorHandler } from '../../src/http/error-handler';
import { rejectUndeclaredQueryOf } from '../../src/http/operations';
import { memoizedQueryParser } from '../../src/http/validate';
import { createLogger } from '../../src/shared/logger';

/**
 * The hot estimate route remembers the queries it parsed and checked, by raw query string. What it
 * remembers must never change an answer: the same string gives the same value, a refused string is
 * refused every time (nothing refused is remembered), and an unknown parameter is a 400 whatever
 * was asked before. Over real HTTP, through express's own query parsing.
 */
let parses = 0;
const schema = z
  .object({
    sku_id: z.string().min(1),
    quantity: z.coerce.number().int().positive().default(1),
    note: z.string().optional(),
  })
  .strict()
  .transform((query) => {
    parses += 1;
    return query;
  });
const parsed: unknown[] = [];
let base: string;
let close: () => void;

beforeAll(async () => {
  const app = express();
  // The app's error handler logs through req.log (createApp defines it; this bare app must too).
  Object.defineProperty(app.request, 'log', { value: createLogger('silent') });
  const parse = memoizedQueryParser(schema, 'unprocessable');
  const checkQuery = rejectUndeclaredQueryOf({
    operationId: 'test',
    method: 'GET',
    template: '/q',
    queryParameters: new Set(['sku_id', 'quantity', 'note']),
  });
  app.get('/q', checkQuery, (req, res) => {
    const query = parse(req);
    parsed.push(query);
    res.json({ query, frozen: Object.isFrozen(query) });
  });
  app.use(problemErrorHandler);
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());

const ask = async (query: string) => {
  const res = await fetch(`${base}/q?${query}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('queries remembered by their raw string', () => {
  it('parses a query string once and answers every later ask with the same frozen value', async () => {
    const before = parses;
    const first = await ask('sku_id=sku-a&quantity=2');
    const again = await ask('sku_id=sku-a&quantity=2');
    expect(first).toEqual({ status: 200, body: { query: { sku_id: 'sku-a', quantity: 2 }, frozen: true } });
    expect(again).toEqual(first);
    expect(parses - before).toBe(1);
    expect(parsed.at(-1)).toBe(parsed.at(-2));
    // Another string is another question, even when it means the same.
    await ask('quantity=2&sku_id=sku-a');
    expect(parses - before).toBe(2);
  });

  it('refuses an invalid query every time it is asked (a refusal is never remembered)', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await ask('sku_id=sku-a&quantity=0');
      expect(res.status).toBe(422);
      expect(res.body.errors).toEqual([{ path: 'quantity', message: expect.any(String) as string }]);
    }
  });

  it('refuses an undeclared parameter after a declared one passed, and again when asked twice', async () => {
    expect((await ask('sku_id=sku-a')).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await ask('sku_id=sku-a&colour=red');
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'colour', message: 'unknown query parameter' }]);
    }
  });

  it('does not remember a long query string: it is parsed each time it comes', async () => {
    const long = `sku_id=sku-a&note=${'x'.repeat(600)}`;
    const before = parses;
    await ask(long);
    await ask(long);
    expect(parses - before).toBe(2);
  });
});
