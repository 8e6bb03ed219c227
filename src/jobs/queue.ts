import { PgBoss, type Job as BossJob, type Queue } from 'pg-boss';
import type { Database } from '../db/database';
import type { Logger } from '../shared/logger';
import { bossDatabase } from './boss-database';
import { logTick } from './tick-log';

/**
 * Scheduled work is data: `{ id, schedule, run }`, executed through pg-boss (PostgreSQL-backed:
 * jobs survive restarts, retry with backoff, and land in a dead-letter queue when they keep
 * failing). Each job is a pg-boss queue of the same name with the `singleton` policy, so at most one
 * run of it is active across every replica; each tick of its schedule is one pg-boss job, fetched by
 * exactly one worker. A worker that dies mid-job stops its heartbeat, and the job is retried by
 * another worker.
 */
export interface JobExecution {
  /** pg-boss's id of this tick (the same across its retries) */
  id: string;
  /** 0 for the first attempt, 1 for the first retry, … */
  attempt: number;
}

export interface Job {
  id: string;
  /**
   * Without a schedule the job runs only when sent (`JobQueue.send`, e.g. a computation an API
   * replica queued for a worker): many may run at once, each with its own `data`.
   *
   * When it runs, in UTC. Five fields, or six with a fixed second ('15 * * * * *'): a pg-boss cron
   * schedule (minute resolution, one job per occurrence across replicas). Six fields whose seconds
   * field is a step ('*\/5 * * * * *', the other fields '*'): every N seconds, a throttled send from
   * each worker that pg-boss keeps to one job per N-second slot.
   */
  schedule?: string;
  run(context: { logger: Logger; signal: AbortSignal; execution: JobExecution; data: unknown }): Promise<void>;
}

export interface JobQueue {
  /** Creates or migrates pg-boss's schema and the queues; with workers, starts them and the schedules. */
  start(): Promise<void>;
  /** Stops polling and schedules, lets running jobs finish (up to the grace), then releases pg-boss. */
  stop(): Promise<void>;
  /** Runs one tick of a job here and now (tests, CLI): true when it ran and succeeded, false when
   * another run of it was active (anywhere) or it failed (it is then retried by the queue). */
  runOnce(jobId: string): Promise<boolean>;
  /** Queues one run of an on-demand job (or an extra tick of a scheduled one) for a worker. */
  send(jobId: string, data: Record<string, unknown>): Promise<string>;
  /** The queue's engine, for tests and the bench. */
  readonly boss: PgBoss;
}

export interface JobQueueOptions {
  /** Whether this process runs workers and schedules (ROLE=worker|all with SCHEDULER=on). */
  workers: boolean;
  /** Seconds between two polls of one queue by a worker (default 2). */
  pollSeconds?: number;
  /** How long `stop()` waits for running jobs (default 10 s). */
  stopGraceMs?: number;
}

/** Every job's last failure lands here, with its payload; nothing consumes it (inspect, then redrive). */
export const DEAD_LETTER_QUEUE = 'jobs.dead-letter';
/** pg-boss's tables live in their own schema of the service's database. */
export const JOB_QUEUE_SCHEMA = 'pgboss';

/** Retries: 5 s, then about 10, 20 (jittered, at most 5 min apart); then the dead-letter queue. */
export const JOB_QUEUE_POLICY = {
  policy: 'singleton',
  retryLimit: 3,
  retryDelay: 5,
  retryBackoff: true,
  retryDelayMax: 300,
  // A worker renews a running job's heartbeat every 5 s; a job silent for 10 s (its worker was
  // killed) is failed by the next supervision pass and retried by another worker.
  heartbeatSeconds: 10,
  expireInSeconds: 60 * 60,
  deadLetter: DEAD_LETTER_QUEUE,
} satisfies Omit<Queue, 'name'>;
/** On-demand work: any number at once; the same retries, heartbeat and dead-letter queue. */
export const ON_DEMAND_POLICY = { ...JOB_QUEUE_POLICY, policy: 'standard', notify: true } satisfies Omit<Queue, 'name'>;
/** How often a worker supervises the queues (expired heartbeats, timeouts). */
const SUPERVISE_SECONDS = 10;

/**
 * The step in seconds of a sub-minute schedule ('*\/N * * * * *'), or null for a cron schedule.
 * Throws on a six-field schedule pg-boss cannot honour at its minute resolution.
 */
export function tickSeconds(schedule: string | undefined): number | null {
  if (schedule === undefined) return null;
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 6 || /^\d+$/.test(fields[0]!)) return null;
  const step = /^\*\/(\d+)$/.exec(fields[0]!);
  const seconds = step ? Number(step[1]) : NaN;
  if (!step || !(seconds > 0 && 60 % seconds === 0) || fields.slice(1).some((field) => field !== '*'))
    throw new Error(
      `schedule "${schedule}": a seconds field is either a fixed second or '*/N' (N dividing 60) with every other field '*'`,
    );
  return seconds;
}

/** Runs `work` with a signal that aborts when either does (the process stops, or pg-boss gives up on the job). */
async function withEither<T>(a: AbortSignal, b: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const both = new AbortController();
  const abort = () => both.abort();
  if (a.aborted || b.aborted) abort();
  a.addEventListener('abort', abort, { once: true });
  b.addEventListener('abort', abort, { once: true });
  try {
    return await work(both.signal);
  } finally {
    a.removeEventListener('abort', abort);
    b.removeEventListener('abort', abort);
  }
}

export function createJobQueue(db: Database, jobs: Job[], logger: Logger, options: JobQueueOptions): JobQueue {
  const ids = new Set<string>();
  for (const job of jobs) {
    if (ids.has(job.id)) throw new Error(`two jobs named ${job.id}`);
    ids.add(job.id);
    tickSeconds(job.schedule);
  }
  const log = logger.child({ module: 'jobs' });
  const boss = new PgBoss({
    db: bossDatabase(db),
    backend: db.engine === 'pglite' ? 'pglite' : 'postgres',
    schema: JOB_QUEUE_SCHEMA,
    migrate: true,
    supervise: options.workers,
    schedule: options.workers,
    superviseIntervalSeconds: SUPERVISE_SECONDS,
    useListenNotify: true,
  });
  boss.on('error', (error: Error) => log.error({ err: error }, 'job queue error'));
  boss.on('warning', (warning: unknown) => log.warn({ warning }, 'job queue warning'));
  const controller = new AbortController();
  const timers: NodeJS.Timeout[] = [];
  let opened: Promise<void> | undefined;
  let started = false;

  async function ensureQueue(name: string, queue: Omit<Queue, 'name'>) {
    if (await boss.getQueue(name)) {
      const { policy: _policy, ...changeable } = queue;
      await boss.updateQueue(name, changeable);
    } else await boss.createQueue(name, queue);
  }

  /** pg-boss's schema (created or migrated under its advisory lock, so replicas may start together) and the queues. */
  const open = () =>
    (opened ??= (async () => {
      await boss.start();
      await ensureQueue(DEAD_LETTER_QUEUE, { retryLimit: 0 });
      for (const job of jobs) await ensureQueue(job.id, job.schedule ? JOB_QUEUE_POLICY : ON_DEMAND_POLICY);
    })());

  async function execute(job: Job, attempt: BossJob<unknown>, signal: AbortSignal): Promise<void> {
    const jobLog = log.child({ job: job.id, run: attempt.id, attempt: attempt.retryCount });
    const began = Date.now();
    try {
      const execution = { id: attempt.id, attempt: attempt.retryCount };
      await job.run({ logger: jobLog, signal, execution, data: attempt.data });
      logTick(jobLog, { kind: 'ran', ms: Date.now() - began });
    } catch (error) {
      logTick(jobLog, { kind: 'failed', error });
      throw error;
    }
  }

  return {
    boss,
    async start() {
      await open();
      if (!options.workers || started) return;
      started = true;
      // Schedules of jobs no longer in the code stop with this release.
      for (const schedule of await boss.getSchedules())
        if (!ids.has(schedule.name)) await boss.unschedule(schedule.name, schedule.key);
      for (const job of jobs) {
        // Up to two jobs a fetch, run side by side and settled one by one; while fetches come back
        // full the worker fetches again at once, so a backlog drains without waiting for a poll
        // (or, on a NOTIFY queue, for the next notification). A singleton queue hands out one.
        await boss.work(
          job.id,
          {
            pollingIntervalSeconds: options.pollSeconds ?? 2,
            batchSize: 2,
            burstWhenBatchFull: true,
            perJobResults: true,
          },
          async (batch) => {
            const settled = await Promise.allSettled(
              batch.map((attempt) =>
                withEither(controller.signal, attempt.signal, (signal) => execute(job, attempt, signal)),
              ),
            );
            return batch.map((attempt, i) => {
              const outcome = settled[i]!;
              if (outcome.status === 'fulfilled') return { id: attempt.id, status: 'completed' as const };
              const reason: unknown = outcome.reason;
              return {
                id: attempt.id,
                status: 'failed' as const,
                output: { message: reason instanceof Error ? reason.message : String(reason) },
              };
            });
          },
        );
        if (!job.schedule) continue;
        const seconds = tickSeconds(job.schedule);
        if (seconds === null) {
          await boss.schedule(job.id, job.schedule, null, { tz: 'UTC' });
          continue;
        }
        await boss.unschedule(job.id);
        const tick = () =>
          void boss
            .sendThrottled(job.id, null, null, seconds)
            .catch((error: unknown) => log.warn({ err: error, job: job.id }, 'job tick not queued'));
        timers.push(setInterval(tick, seconds * 1000));
      }
    },
    async stop() {
      for (const timer of timers) clearInterval(timer);
      if (!opened) return;
      await opened.catch(() => undefined);
      const grace = options.stopGraceMs ?? 10_000;
      // Running jobs get the grace to finish; then their signal aborts and pg-boss lets go.
      const abort = setTimeout(() => controller.abort(), grace);
      await boss.stop({ graceful: true, timeout: grace + 1_000 });
      clearTimeout(abort);
      controller.abort();
    },
    async send(jobId, data) {
      if (!ids.has(jobId)) throw new Error(`unknown job ${jobId}`);
      await open();
      const id = await boss.send(jobId, data);
      if (!id) throw new Error(`job ${jobId} not queued`);
      return id;
    },
    async runOnce(jobId) {
      const job = jobs.find((j) => j.id === jobId);
      if (!job) throw new Error(`unknown job ${jobId}`);
      await open();
      const sent = await boss.send(jobId, null);
      const [attempt] = await boss.fetch(jobId);
      // Another run of this job is active (the singleton policy): this tick is not needed.
      if (sent && attempt?.id !== sent) await boss.deleteJob(jobId, sent);
      if (!attempt) return false;
      const handle = { id: attempt.id, retryCount: attempt.retryCount };
      const beat = setInterval(
        () => void boss.touch(jobId, handle).catch(() => undefined),
        (JOB_QUEUE_POLICY.heartbeatSeconds * 1000) / 2,
      );
      try {
        await execute(job, attempt, controller.signal);
        await boss.complete(jobId, handle);
        return true;
      } catch (error) {
        await boss.fail(jobId, handle, { message: error instanceof Error ? error.message : String(error) });
        return false;
      } finally {
        clearInterval(beat);
      }
    },
  };
}
