import express from 'express';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { sendJsonInSlices } from '../../src/http/send-json';

/** A large JSON answer sent a slice at a time: the same bytes as res.json, the event loop free between slices. */
describe('sendJsonInSlices', () => {
  it('sends exactly what JSON.stringify would, and lets other work run while it serialises', async () => {
    const body = {
      id: 'plan-1',
      skipped: undefined,
      totals: { units: 3, ratio: 0.5 },
      regions: Array.from({ length: 25_000 }, (_, i) => ({ region_id: `r-${i}`, p: i / 7, hubs: [`h-${i % 3}`] })),
      small: [1, 2, 3],
      empty: [],
      nothing: null,
      text: 'a "quoted" é',
    };
    let turnsDuring = 0;
    let sending = false;
    const app = express();
    app.get('/big', async (_req, res) => {
      sending = true;
      const tick = setInterval(() => (turnsDuring += sending ? 1 : 0), 0);
      await sendJsonInSlices(res, 201, body);
      sending = false;
      clearInterval(tick);
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/big`);
      expect(res.status).toBe(201);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.text()).toBe(JSON.stringify(body));
      expect(turnsDuring).toBeGreaterThan(1);
    } finally {
      server.close();
    }
  });
});
