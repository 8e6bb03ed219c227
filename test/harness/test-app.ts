import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config';
import type { Database } from '../../src/db/database';
import type { WorkerPool } from '../../src/shared/worker-pool';
import { createApp } from '../../src/http/app';
import { answerClientErrors } from '../../src/http/client-errors';
import { createServices, type Services } from '../../src/services';
import { fixedClock, type Clock } from '../../src/shared/clock';
import { createLogger } from '../../src/shared/logger';
import createClient from 'openapi-fetch';
import { createPlannerClient, type PlannerClient, type paths } from '../../src/client';
import { recordBodyText } from './answers';
import { assertKeepsContract } from './contract';
import { createTestDatabase, type TestDatabase } from './test-database';

/** The service over real HTTP on an ephemeral port, on a fresh database, with an admin key. */
export interface TestApp {
  baseUrl: string;
  services: Services;
  database: TestDatabase;
  adminKey: string;
  clock: ReturnType<typeof fixedClock>;
  /**
   * The typed client (openapi-fetch over the generated types) on this service, with `key` (the
   * admin key by default): paths, parameters and bodies are checked at compile time, answers
   * against openapi.yaml at run time. API tests use it for everything the contract can express.
   */
  client(key?: string | null): PlannerClient;
  /**
   * Raw HTTP, only for what the typed client cannot send: hostile or malformed input (bad JSON, a
   * wrong content type, parameters or bodies the contract forbids), raw NDJSON/CSV streams, raw
   * headers, and routes or representations outside the contract (CSV answers, /metrics, /docs).
   * The body read back is `unknown`: narrow it (e.g. `problemIn(res)`) before reading it.
   */
  rawRequest: (method: string, path: string, options?: RawRequestOptions) => Promise<TestResponse>;
  close(): Promise<void>;
}

/**
 * A raw answer. Its body is `unknown`: a test that sends raw (what the contract forbids, raw
 * headers, routes outside the contract) narrows what it reads, e.g. with `problemIn(res)`.
 */
export interface TestResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export interface RawRequestOptions {
  key?: string | null;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export async function startTestApp(
  options: {
    clock?: Clock;
    now?: string;
    env?: Record<string, string>;
    /** Serve from another connection to the fresh database (e.g. through a TCP proxy); closed with the app. */
    openDatabase?: (database: TestDatabase) => Promise<Database>;
    /** Heavy work (plans) in worker threads, as `npm start` does; in-process by default. */
    workers?: WorkerPool;
  } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  // Models trained by a test go to a temp folder, never into the repository's var/models.
  const trainedModelsDir = await mkdtemp(join(tmpdir(), 'mf-trained-'));
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'false',
    SCHEDULER: 'off',
    TRAINED_MODELS_DIR: trainedModelsDir,
    ...options.env,
  });
  const clock = fixedClock(options.now ?? '2026-11-23T12:00:00Z');
  const served = options.openDatabase ? await options.openDatabase(database) : database.db;
  const services = createServices({
    db: served,
    workers: options.workers,
    config,
    logger: createLogger('silent'),
    clock: options.clock ?? clock,
  });
  const adminKey = (await services.keys.ensureBootstrapAdminKey())!;
  await services.start();
  const app = createApp({ services, logger: services.logger });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
    answerClientErrors(s);
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const rawRequest: TestApp['rawRequest'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const key = opts.key === undefined ? adminKey : opts.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    } else if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    // Every answer is checked against openapi.yaml (status declared, JSON body matching its schema).
    assertKeepsContract({
      method,
      path,
      status: res.status,
      contentType: res.headers.get('content-type'),
      body: parsed,
    });
    return { status: res.status, headers: res.headers, body: parsed, text };
  };

  const client = (key: string | null = adminKey): PlannerClient => {
    // `null`: no Authorization header at all (what an anonymous caller sends).
    const api = key === null ? createClient<paths>({ baseUrl }) : createPlannerClient({ baseUrl, apiKey: key });
    api.use({
      async onResponse({ request, response }) {
        const text = await response.clone().text();
        let body: unknown;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        const url = new URL(request.url);
        assertKeepsContract({
          method: request.method,
          path: url.pathname + url.search,
          status: response.status,
          contentType: response.headers.get('content-type'),
          body,
        });
        recordBodyText(response, text);
        return response;
      },
    });
    return api;
  };

  return {
    baseUrl,
    services,
    database,
    client,
    adminKey,
    clock,
    rawRequest,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.stop();
      await options.workers?.close();
      if (served !== database.db) await served.close().catch(() => undefined);
      await database.drop();
      await rm(trainedModelsDir, { recursive: true, force: true });
    },
  };
}
