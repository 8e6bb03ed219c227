import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Response } from 'express';

/** Elements serialised between two turns of the event loop. */
const SLICE = 2_000;

/**
 * Sends a JSON object whose large arrays (a 1,000-SKU plan has tens of thousands of region rows)
 * are serialised a slice at a time, giving the event loop back between slices: one big
 * `JSON.stringify` would hold every other request (estimates, holds) for the whole body. The
 * bytes are the same as `res.json(body)` would send.
 */
export async function sendJsonInSlices(res: Response, status: number, body: Record<string, unknown>): Promise<void> {
  res.status(status).type('application/json');
  let first = true;
  res.write('{');
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined || typeof value === 'function') continue;
    res.write(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    if (!Array.isArray(value) || value.length <= SLICE) {
      res.write(JSON.stringify(value) ?? 'null');
      continue;
    }
    res.write('[');
    for (let start = 0; start < value.length; start += SLICE) {
      // One native stringify per slice, its brackets dropped: as fast as stringifying the whole array.
      const slice = JSON.stringify(value.slice(start, start + SLICE));
      res.write(`${start === 0 ? '' : ','}${slice.slice(1, -1)}`);
      await nextTurn();
    }
    res.write(']');
  }
  res.end('}');
}

/**
 * Sends JSON already serialised, straight to Node: headers and body leave in one write. express's
 * `res.send` would parse the content type again, check freshness (no validator is set here) and
 * copy a body over 1,000 characters into a Buffer first, which Node then writes apart from the
 * headers; on the hot estimate route that was a measurable share of each request.
 */
export function sendJsonText(res: Response, json: string): void {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

/**
 * Sends JSON serialised elsewhere (a worker thread wrote a plan's answer): the bytes as they are,
 * with nothing to serialise on this thread.
 */
export function sendJsonBytes(res: Response, status: number, bytes: Uint8Array): void {
  res.status(status).type('application/json');
  res.setHeader('Content-Length', bytes.byteLength);
  res.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
