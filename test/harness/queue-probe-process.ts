import pg from 'pg';
import type { Job } from '../../src/jobs/queue';
import { run } from '../../src/main';

/**
 * `npm start` with two probe jobs beside the service's own, for the multi-process queue test: each
 * run writes a row to `probe_runs` (made by the test) with pg-boss's job id, attempt and this pid.
 * probe.tick ticks every 2 s; probe.slow is sent by the test and takes PROBE_SLOW_MS.
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
const slowMs = Number(process.env.PROBE_SLOW_MS ?? 15_000);
const record = (job: string, execution: { id: string; attempt: number }, phase: string) =>
  pool.query('insert into probe_runs (job, run_id, attempt, pid, phase) values ($1, $2, $3, $4, $5)', [
    job,
    execution.id,
    execution.attempt,
    process.pid,
    phase,
  ]);

const probes: Job[] = [
  {
    id: 'probe.tick',
    schedule: '*/2 * * * * *',
    run: ({ execution }) => record('probe.tick', execution, 'done').then(() => undefined),
  },
  {
    id: 'probe.slow',
    schedule: '0 0 1 1 *',
    async run({ execution }) {
      await record('probe.slow', execution, 'started');
      await new Promise((resolve) => setTimeout(resolve, slowMs));
      await record('probe.slow', execution, 'done');
    },
  },
];
run({ jobs: probes });
