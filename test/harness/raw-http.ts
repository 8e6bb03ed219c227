import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Raw HTTP for hostile-input tests: bodies of any size or pace, any header, a path sent exactly as
 * written (fetch would normalise it). Resolves with the response even when the server answers and
 * closes before the body was sent in full (an early refusal), which fetch reports as an error.
 */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The JSON body if there is one: `unknown`, narrowed by the test that reads it. */
  body: unknown;
  ms: number;
}

export type RawBody = Buffer | string | AsyncIterable<Buffer | string>;

export function rawRequest(
  baseUrl: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: RawBody },
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname,
      port: url.port,
      method: options.method ?? 'GET',
      path: options.path,
      headers: options.headers,
      agent: false,
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => undefined);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body, ms: performance.now() - started });
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const body = options.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else
      void (async () => {
        try {
          for await (const chunk of body) {
            if (answered || req.destroyed) break;
            if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
          }
          if (!req.destroyed) req.end();
        } catch {
          req.destroy();
        }
      })();
  });
}

/** A body sent in `pieces` pieces, `pauseMs` apart: a slow upload. */
export async function* trickle(body: string | Buffer, pieces: number, pauseMs: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const size = Math.ceil(bytes.length / pieces);
  for (let at = 0; at < bytes.length; at += size) {
    yield bytes.subarray(at, at + size);
    await sleep(pauseMs);
  }
}

/**
 * GET /healthz every `intervalMs` until `until` settles; the latency of each probe. Probes run
 * one at a time on a fresh connection each (a connection stuck behind the attack would not count).
 */
export async function probeHealth(baseUrl: string, until: Promise<unknown>, intervalMs = 50): Promise<number[]> {
  let done = false;
  void until.then(
    () => (done = true),
    () => (done = true),
  );
  const latencies: number[] = [];
  while (!done || latencies.length < 3) {
    const res = await rawRequest(baseUrl, { path: '/healthz' });
    if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`);
    latencies.push(res.ms);
    await sleep(intervalMs);
  }
  return latencies;
}

export type AttackPart = { text: string } | { base64: string } | { fill: string; bytes: number };

/**
 * One hostile request sent from a child process (test/harness/attacker.mjs), so that building and
 * sending a large body does not load the event loop of this process, where the service runs.
 */
export async function attackFromChildProcess(
  baseUrl: string,
  options: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    parts: AttackPart[];
    /** Send the body chunked in this many pieces, `pauseMs` apart (else at once, with a content-length). */
    pieces?: number;
    pauseMs?: number;
  },
): Promise<RawResponse> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mf-attack-')), 'config.json');
  fs.writeFileSync(file, JSON.stringify({ url: baseUrl, ...options }));
  const started = performance.now();
  const script = new URL('./attacker.mjs', import.meta.url).pathname;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, [script, file], { maxBuffer: 16 * 1024 * 1024 }, (error, out) =>
      error ? reject(error) : resolve(out),
    ),
  );
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
  const result = JSON.parse(stdout) as {
    status?: number;
    headers?: http.IncomingHttpHeaders;
    text?: string;
    error?: string;
  };
  if (result.error) throw new Error(`attack failed: ${result.error}`);
  let body: unknown;
  try {
    body = result.text ? JSON.parse(result.text) : undefined;
  } catch {
    body = undefined;
  }
  return {
    status: result.status ?? 0,
    headers: result.headers ?? {},
    text: result.text ?? '',
    body,
    ms: performance.now() - started,
  };
}
