import cron, { type ScheduledTask } from 'node-cron';
import type { Database } from '../db/database';
import type { Logger } from '../shared/logger';
import { logTick } from './tick-log';

/**
 * Scheduled work is data: `{ id, schedule, run }`. With several replicas on one PostgreSQL, each
 * tick takes a transaction-scoped advisory lock keyed by the job id, so exactly one replica runs it
 * and the others skip that tick.
 */
export interface Job {
  id: string;
  /** A cron expression (node-cron, seconds optional), e.g. '*\/15 * * * *'. */
  schedule: string;
  run(context: { logger: Logger; signal: AbortSignal }): Promise<void>;
}

export interface Scheduler {
  start(): void;
  stop(): Promise<void>;
  /** Runs a job's tick now (tests, CLI): true when this replica held the lock and ran it. */
  runOnce(jobId: string): Promise<boolean>;
}

/** A stable 32-bit key per job id for pg_try_advisory_xact_lock. */
export function advisoryLockKey(jobId: string): number {
  let hash = 2166136261;
  for (let i = 0; i < jobId.length; i++) hash = Math.imul(hash ^ jobId.charCodeAt(i), 16777619);
  return hash | 0;
}

/** Keys whose work is running in this process (the PGlite path, and a guard against overlap). */
const runningHere = new Set<number>();

/**
 * Runs `work` only if this replica wins the lock for `key`.
 *
 * PostgreSQL: a transaction-scoped advisory lock, held by an open transaction on one pooled
 * connection while the work runs on others, released at its end even if the process dies.
 * PGlite: one process owns the data folder, so there are no other replicas to exclude, and its
 * single connection would make the work wait for the lock's own transaction. An in-process flag
 * keeps two runs of one job from overlapping instead.
 */
export async function runExclusively(db: Database, key: number, work: () => Promise<void>): Promise<boolean> {
  if (runningHere.has(key)) return false;
  runningHere.add(key);
  try {
    if (db.engine === 'pglite') {
      await work();
      return true;
    }
    return await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [key]);
      if (!rows[0]?.locked) return false;
      await work();
      return true;
    });
  } finally {
    runningHere.delete(key);
  }
}

export function createScheduler(db: Database, jobs: Job[], logger: Logger): Scheduler {
  const tasks: ScheduledTask[] = [];
  const controller = new AbortController();
  const running = new Set<Promise<unknown>>();

  async function tick(job: Job): Promise<boolean> {
    const log = logger.child({ job: job.id });
    const started = Date.now();
    try {
      const ran = await runExclusively(db, advisoryLockKey(job.id), () =>
        job.run({ logger: log, signal: controller.signal }),
      );
      logTick(log, ran ? { kind: 'ran', ms: Date.now() - started } : { kind: 'skipped' });
      return ran;
    } catch (error) {
      logTick(log, { kind: 'failed', error });
      return false;
    }
  }

  return {
    start() {
      for (const job of jobs) {
        tasks.push(
          cron.schedule(job.schedule, () => {
            const p = tick(job).finally(() => running.delete(p));
            running.add(p);
          }),
        );
      }
    },
    async stop() {
      controller.abort();
      for (const task of tasks) await task.stop();
      await Promise.allSettled([...running]);
    },
    async runOnce(jobId) {
      const job = jobs.find((j) => j.id === jobId);
      if (!job) throw new Error(`unknown job ${jobId}`);
      return tick(job);
    },
  };
}
