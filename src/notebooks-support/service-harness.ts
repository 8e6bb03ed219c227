/**
 * The service for a notebook, started in one module graph (tsx's `tsImport` isolates each call's
 * modules, so the HTTP app and the services must come from one import, or an error raised by a
 * service would not be recognised by the app's error handler). An in-memory PGlite with the
 * migrations, a fixed clock, the HTTP API on an ephemeral port and an admin key.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPlannerClient, type PlannerClient } from '../client';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { openPgliteDatabase } from '../db/pglite-database';
import { createApp } from '../http/app';
import { createServices } from '../services';
import { fixedClock } from '../shared/clock';
import { createLogger } from '../shared/logger';

export interface NotebookService {
  base: string;
  adminKey: string;
  services: ReturnType<typeof createServices>;
  clock: ReturnType<typeof fixedClock>;
  /** The typed API client (src/client) with the admin key. */
  client: PlannerClient;
  /** An admin call to the API: status, Location header and JSON body. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; location: string | null; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- notebooks read arbitrary JSON
  close(): Promise<void>;
}

export async function startNotebookService(options: {
  now: string;
  env?: Record<string, string>;
}): Promise<NotebookService> {
  const db = await openPgliteDatabase(undefined);
  await migrate(db);
  const config = loadConfig({ LOG_LEVEL: 'silent', SCHEDULER: 'off', DEMO_DATA: 'false', ...options.env });
  const clock = fixedClock(options.now);
  const services = createServices({ db, config, logger: createLogger('silent'), clock });
  const adminKey = (await services.keys.ensureBootstrapAdminKey())!;
  const server: Server = await new Promise((resolve) => {
    const s = createApp({ services, logger: services.logger }).listen(0, '127.0.0.1', () => resolve(s));
  });
  // The notebook polls a training job while the model trains in this same process: a poll that
  // waits past Node's 5 s keep-alive timeout could meet its socket being closed (ECONNRESET). Only
  // this notebook talks to this server, so its idle sockets stay open until close().
  server.keepAliveTimeout = 0;
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createPlannerClient({ baseUrl: base, apiKey: adminKey });
  return {
    base,
    adminKey,
    services,
    clock,
    client,
    async api(method, path, body) {
      // Any path a notebook names, through the same typed client a storefront or partner uses.
      const { data, error, response } = await client.request(method.toLowerCase() as 'get', path as '/healthz', {
        ...(body === undefined ? {} : { body: body as never }),
      });
      return { status: response.status, location: response.headers.get('location'), body: data ?? error };
    },
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.stop();
      await db.close();
    },
  };
}
