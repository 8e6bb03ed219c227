import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../../src/config';
import type { Database } from '../../../src/db/database';
import { migrate } from '../../../src/db/migrate';
import { openPgliteDatabase } from '../../../src/db/pglite-database';
import { openPostgresDatabase } from '../../../src/db/postgres-database';
import { createApp } from '../../../src/http/app';
import { createServices } from '../../../src/services';
import { createLogger } from '../../../src/shared/logger';
import { createPlannerClient } from '../../../src/client';
import { createTenant, type Tenant } from '../../factories/catalog-factory';
import { publishPlanWithAllocations } from '../../factories/plan-publish-factory';
import { answer, type TypedAnswer } from '../../harness/answers';
import type { TestApp } from '../../harness/test-app';
import { createTestDatabase, type TestDatabase } from '../../harness/test-database';

/**
 * The service as deployed (`src/main.ts` in a child process) under parallel hold traffic, killed
 * with SIGKILL in the middle of it and started again on the same database: PostgreSQL when
 * TEST_DATABASE_URL is set, else PGlite in a data folder (there the kill takes the database down
 * with the service). Right after the kill, before the restarted service reconciles anything, the
 * ledger must hold: held = Σ active holds, confirmed = Σ confirmed holds, available ≥ 0, and every
 * hold the service acknowledged exists. Clients caught by the kill retry with the same
 * Idempotency-Key once the service is back.
 */
const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const SUPPLY = 60;
const CLIENTS = 8;
const OPERATIONS = 240;

let server: TestDatabase | undefined;
const dataDir = onPostgres ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'mf-kill-'));
afterAll(async () => {
  await server?.drop();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

interface Child {
  process: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}

function startService(): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_URL: server?.url ?? '',
      ...(dataDir ? { DATA_DIR: dataDir } : {}),
      DEMO_DATA: 'false',
      SCHEDULER: 'off',
      LOG_LEVEL: 'warn',
      // A claim left by the killed process frees itself quickly, so clients' retries go through.
      IDEMPOTENCY_LEASE_MS: '1500',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner after 90 s:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const base = /API base\s+(http:\/\/\S+)\/v1/.exec(output)?.[1];
      // The database was seeded, so the banner ends saying an admin key already exists.
      if (base && /An admin key already exists/.test(output)) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        resolve({ process: child, base, exited });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => reject(new Error(`service exited (${code}) before its banner:\n${output}`)));
  });
}

/** The database, opened by the test while no service runs (PGlite allows one process at a time). */
async function withDatabase<T>(work: (db: Database) => Promise<T>): Promise<T> {
  const db = server ? await openPostgresDatabase(server.url!) : await openPgliteDatabase(dataDir);
  try {
    return await work(db);
  } finally {
    await db.close();
  }
}

/** The typed client on the service running now (a restart moves it to another port). */
const clientOn = (base: string, key: string) => createPlannerClient({ baseUrl: base, apiKey: key });

interface Ledger {
  held: number;
  confirmed: number;
  available: number;
  active: number;
  confirmed_sum: number;
  ids: string[];
}

async function readLedger(db: Database, t: Tenant): Promise<Ledger> {
  const { rows } = await db.query<Omit<Ledger, 'ids'>>(
    `select s.held, s.confirmed, hub_stock_available(s) as available,
       (select coalesce(sum(quantity), 0)::int from reservation_holds h
        where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'held') as active,
       (select coalesce(sum(quantity), 0)::int from reservation_holds h
        where h.hub_id = s.hub_id and h.sku_id = s.sku_id and h.status = 'confirmed') as confirmed_sum
     from hub_stock s where s.hub_id = $1 and s.sku_id = $2`,
    [t.hubId, t.skuId],
  );
  const ids = (await db.query<{ id: string }>('select id from reservation_holds where sku_id = $1', [t.skuId])).rows;
  return { ...rows[0]!, ids: ids.map((r) => r.id) };
}

function expectLedgerTrue(ledger: Ledger, acknowledged: Iterable<string>) {
  expect(ledger.held, 'held = Σ active holds').toBe(ledger.active);
  expect(ledger.confirmed, 'confirmed = Σ confirmed holds').toBe(ledger.confirmed_sum);
  expect(ledger.available, 'never oversold').toBeGreaterThanOrEqual(0);
  const stored = new Set(ledger.ids);
  expect(
    [...acknowledged].filter((id) => !stored.has(id)),
    'acknowledged holds survive',
  ).toEqual([]);
}

type Op = { kind: 'create'; quantity: number } | { kind: 'end'; pick: number; verb: 'confirm' | 'release' };

describe(`a service killed mid-traffic and restarted (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('leaves a true ledger behind, and clients finish their requests after the restart', async () => {
    if (onPostgres) server = await createTestDatabase();
    // Seed in this process (the service's own API on the database, then a published plan), then let go of it.
    const { tenant, key } = await withDatabase(async (db) => {
      await migrate(db);
      const services = createServices({
        db,
        config: loadConfig({ LOG_LEVEL: 'silent', SCHEDULER: 'off', DEMO_DATA: 'false' }),
        logger: createLogger('silent'),
      });
      const adminKey = (await services.keys.ensureBootstrapAdminKey())!;
      await services.start();
      const seeder = createApp({ services, logger: services.logger }).listen(0, '127.0.0.1');
      await new Promise((resolve) => seeder.once('listening', resolve));
      const base = `http://127.0.0.1:${(seeder.address() as AddressInfo).port}`;
      try {
        // The factory needs only the typed client of a TestApp.
        const t = await createTenant({
          client: () => createPlannerClient({ baseUrl: base, apiKey: adminKey }),
        } as unknown as TestApp);
        const created = await services.keys.createApiKey({ role: 'storefront', creator_id: t.creatorId });
        await publishPlanWithAllocations(db, t.dropId, [{ skuId: t.skuId, hubId: t.hubId, units: SUPPLY }]);
        return { tenant: t, key: created.key };
      } finally {
        await new Promise((resolve) => seeder.close(resolve));
        await services.stop();
      }
    });
    let service = await startService();

    const ops = fc.sample(
      fc.oneof(
        {
          weight: 3,
          arbitrary: fc.record({ kind: fc.constant('create' as const), quantity: fc.integer({ min: 1, max: 3 }) }),
        },
        {
          weight: 2,
          arbitrary: fc.record({
            kind: fc.constant('end' as const),
            pick: fc.nat(),
            verb: fc.constantFrom('confirm' as const, 'release' as const),
          }),
        },
      ),
      OPERATIONS,
    ) as Op[];

    // Clients: each takes the next operation; a request cut by the kill is retried, same key, once the service is back.
    const acknowledged = new Set<string>();
    const held: string[] = [];
    let next = 0;
    let done = 0;
    let back: Promise<void> = Promise.resolve();
    const request = async <D>(
      send: (api: ReturnType<typeof clientOn>) => Promise<{ data?: D; error?: unknown; response: Response }>,
    ): Promise<TypedAnswer<D>> => {
      for (;;) {
        await back;
        try {
          const res = await answer(send(clientOn(service.base, key)));
          if (res.status === 409 && res.error?.reason === 'idempotency_key_in_use') {
            await new Promise((resolve) => setTimeout(resolve, 200));
            continue;
          }
          return res;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const client = async () => {
      while (next < ops.length) {
        const op = ops[next++]!;
        if (op.kind === 'create') {
          const idempotencyKey = randomUUID();
          const res = await request((api) =>
            api.POST('/v1/holds', {
              params: { header: { 'Idempotency-Key': idempotencyKey } },
              body: { sku_id: tenant.skuId, region_id: tenant.regionIds[0]!, quantity: op.quantity, hold_seconds: 900 },
            }),
          );
          expect([201, 409], res.text).toContain(res.status);
          if (res.status === 201) {
            acknowledged.add(res.data!.id);
            held.push(res.data!.id);
          }
        } else if (held.length > 0) {
          const id = held[op.pick % held.length]!;
          const res = await request((api) =>
            op.verb === 'confirm'
              ? api.POST('/v1/holds/{holdId}/confirm', { params: { path: { holdId: id } } })
              : api.POST('/v1/holds/{holdId}/release', { params: { path: { holdId: id } } }),
          );
          expect([200, 409], res.text).toContain(res.status);
        }
        done += 1;
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);

    // The kill, while clients are busy; then the ledger as the dead service left it.
    while (done < OPERATIONS * 0.4) await new Promise((resolve) => setTimeout(resolve, 5));
    let restarted: () => void = () => undefined;
    back = new Promise((resolve) => (restarted = resolve));
    service.process.kill('SIGKILL');
    await service.exited;
    const afterKill = await withDatabase((db) => readLedger(db, tenant));
    expectLedgerTrue(afterKill, acknowledged);

    service = await startService();
    restarted();
    await Promise.all(clients);
    expect(done).toBe(OPERATIONS);
    service.process.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    const atEnd = await withDatabase((db) => readLedger(db, tenant));
    expectLedgerTrue(atEnd, acknowledged);
    expect(atEnd.held + atEnd.confirmed).toBeGreaterThan(0);
  }, 600_000);
});
