import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLog } from '../../src/http/access-log';
import { observeFinishedRequests } from '../../src/http/finished-requests';
import { createLogger } from '../../src/shared/logger';

/**
 * One access-log line per request at info (method, route template, status, duration, request id,
 * key id, never the key), estimates sampled, ISO timestamps. There was no access log at all.
 */
const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
    done();
  },
});
let base: string;
let close: () => void;
let draws: number[] = [];

beforeAll(async () => {
  const app = express();
  app.use((req, _res, next) => {
    req.requestId = 'req-1';
    req.principal = { keyId: 'key-abc', role: 'admin' };
    next();
  });
  app.use(
    observeFinishedRequests([
      accessLog(createLogger('info', sink), { estimateSampleRate: 0.25, random: () => draws.shift() ?? 0.9 }),
    ]),
  );
  app.get('/v1/drops/:dropId', (_req, res) => void res.json({ ok: true }));
  app.get('/v1/estimates', (req, res) => void res.status(req.query.bad ? 422 : 200).json({}));
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close?.());

const flush = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('access log', () => {
  it('writes one info line per request with the route template, status, duration, request id and key id', async () => {
    lines.length = 0;
    await fetch(`${base}/v1/drops/drop-secret-id`, { headers: { authorization: 'Bearer mf_admin_SECRET' } });
    await flush();
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).toMatchObject({
      level: 30,
      msg: 'request',
      method: 'GET',
      route: '/v1/drops/:dropId',
      status: 200,
      requestId: 'req-1',
      keyId: 'key-abc',
    });
    expect(typeof line.ms).toBe('number');
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.stringify(line)).not.toContain('SECRET');
    expect(JSON.stringify(line)).not.toContain('drop-secret-id');
  });

  it('samples successful estimates but always logs a refused one', async () => {
    lines.length = 0;
    draws = [0.1, 0.9, 0.5, 0.2];
    for (let i = 0; i < 4; i++) await fetch(`${base}/v1/estimates?sku_id=x`);
    await fetch(`${base}/v1/estimates?bad=1`);
    await flush();
    expect(lines.map((l) => l.status)).toEqual([200, 200, 422]);
  });
});
