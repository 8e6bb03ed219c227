/**
 * Jobs bench: throughput of the job queue (pg-boss, as the service configures it: src/jobs/queue.ts)
 * on PostgreSQL: two workers running no-op on-demand jobs, each with its own connection pool as a
 * worker replica has, while four producers send them one at a time (as API replicas queue work;
 * each send NOTIFYs the workers). Figure: from the first send to the last completion. Reference,
 * same database and run: the least a queue on
 * PostgreSQL can do per job, by hand on two connections: claim one row with FOR UPDATE SKIP LOCKED,
 * then mark it done (two statements a job, as a fetch and a completion are).
 *
 * A fresh database is created on BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
 * and dropped afterwards. JOBS_BENCH_COUNT jobs (default 2,000); the reference's rows are written
 * before its clock starts.
 */
import pg from 'pg';
import { migrate } from '../db/migrate';
import { openPostgresDatabase } from '../db/postgres-database';
import { createJobQueue, type Job } from '../jobs/queue';
import { createLogger } from '../shared/logger';
import type { BenchFigure, BenchModule } from './bench-types';
import { requireBenchDatabase } from './service-process';

const COUNT = Number(process.env.JOBS_BENCH_COUNT ?? 2_000);
const WORKERS = 2;

async function withFreshDatabase<T>(work: (url: string) => Promise<T>): Promise<T> {
  const database = await requireBenchDatabase('jobs');
  try {
    return await work(database.url);
  } finally {
    await database.drop();
  }
}

/** Two pg-boss workers (separate pools) draining COUNT queued jobs: jobs per second. */
async function queueRate(url: string, progress: (message: string) => void): Promise<number> {
  const logger = createLogger('silent');
  let done = 0;
  let finished!: () => void;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  const jobs: Job[] = [
    {
      id: 'bench.noop',
      run: async () => {
        if (++done === COUNT) finished();
      },
    },
  ];
  const setup = await openPostgresDatabase(url);
  await migrate(setup);
  const producer = createJobQueue(setup, jobs, logger, { workers: false });
  await producer.start();
  const pools = await Promise.all(Array.from({ length: WORKERS }, () => openPostgresDatabase(url, { poolSize: 4 })));
  const workers = pools.map((db) => createJobQueue(db, jobs, logger, { workers: true }));
  await Promise.all(workers.map((worker) => worker.start()));
  progress(`${WORKERS} workers up; sending ${COUNT} jobs from 4 concurrent producers`);
  // As API replicas queue work: one send at a time per producer (each a NOTIFY that wakes a worker).
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < COUNT) await producer.send('bench.noop', { n: next++ });
    }),
  );
  progress(`sent in ${((performance.now() - started) / 1000).toFixed(1)} s; ${done} done`);
  await allDone;
  const seconds = (performance.now() - started) / 1000;
  for (const worker of workers) await worker.stop();
  await producer.stop();
  for (const db of [...pools, setup]) await db.close();
  return COUNT / seconds;
}

/** The reference: two connections claiming and completing rows by hand (SKIP LOCKED). */
async function bareRate(url: string): Promise<number> {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`create table bench_bare_queue (id bigserial primary key, state text not null default 'created',
    data jsonb, started_on timestamptz, completed_on timestamptz)`);
  await setup.query(
    `insert into bench_bare_queue (data) select jsonb_build_object('n', n) from generate_series(1, $1) n`,
    [COUNT],
  );
  await setup.query('create index on bench_bare_queue (id) where state = $$created$$');
  await setup.query('vacuum analyze bench_bare_queue');
  const clients = await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      for (;;) {
        const { rows } = await client.query<{ id: string }>(
          `update bench_bare_queue set state = 'active', started_on = now()
           where id = (select id from bench_bare_queue where state = 'created' order by id for update skip locked limit 1)
           returning id`,
        );
        if (rows.length === 0) return;
        await client.query(`update bench_bare_queue set state = 'completed', completed_on = now() where id = $1`, [
          rows[0]!.id,
        ]);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  for (const client of [...clients, setup]) await client.end();
  return COUNT / seconds;
}

export const jobsBench: BenchModule = {
  id: 'jobs',
  async run(progress) {
    return withFreshDatabase(async (url) => {
      const bare = await bareRate(url);
      progress(`bare SKIP LOCKED queue: ${bare.toFixed(0)} jobs/s`);
      const rate = await queueRate(url, progress);
      progress(`job queue: ${rate.toFixed(0)} jobs/s`);
      const figures: BenchFigure[] = [
        {
          name: `jobs.queue_throughput_${WORKERS}_workers`,
          value: rate,
          unit: 'jobs/s',
          reference: { name: `bare SKIP LOCKED claim + complete, ${WORKERS} connections`, value: bare, unit: 'jobs/s' },
          ratio: rate / bare,
          note: `${COUNT} no-op jobs sent one at a time by 4 producers and run by ${WORKERS} pg-boss workers (own pools, up to 2 jobs a fetch), first send to last completion; higher is better`,
        },
      ];
      return figures;
    });
  },
};
