import { randomUUID } from 'node:crypto';
import type { Database } from '../../db/database';
import { AppError, notFound } from '../../http/app-error';
import type { Schemas } from '../../http/contract';
import { principalFromKey, type Principal, type Role } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import type { Logger } from '../../shared/logger';
import { jobsRepository as repo, type JobRow } from './jobs.repository';

/**
 * Jobs: long-running work as a resource (`GET /v1/jobs/{id}`). This service owns the contract and
 * the table: create, start, report progress, finish with a result link or a problem. It does not
 * decide where the work is executed: `submit` hands the job to the job queue (pg-boss: a worker
 * process runs it) once `useQueue` has connected one, or runs it in this process otherwise (the CLI,
 * most tests). Either way the work itself is a runner registered for the job's kind.
 *
 * A job carries the tenant scope of the key that started it: admins see every job, a creator's or
 * partner's key only its tenant's; any other id answers 404, like a job that does not exist.
 */
export interface JobOutcome {
  result: Record<string, unknown>;
  /** where the result lives, e.g. /v1/models/{modelId} */
  resultUrl: string | null;
  message?: string;
}

export type ProgressReporter = (fraction: number, message: string) => void;

/** The work of one kind of job, run as the principal that started it. */
export type JobRunner = (
  principal: Principal,
  input: Record<string, unknown>,
  report: ProgressReporter,
) => Promise<JobOutcome>;

/** The job queue's on-demand job that runs a job record's work in a worker. */
export const RUN_JOB = 'jobs.run';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const toJob = (row: JobRow): Schemas['Job'] => ({
  id: row.id,
  kind: row.kind,
  state: row.state,
  progress: Number(row.progress),
  message: row.message,
  result: row.result,
  result_url: row.result_url,
  error: row.error as Schemas['Job']['error'],
  created_at: new Date(row.created_at).toISOString(),
  started_at: iso(row.started_at),
  finished_at: iso(row.finished_at),
  updated_at: new Date(row.updated_at).toISOString(),
});

/** A problem object for a job's `error` (the same shape an HTTP error answers with). */
export function problemOf(error: unknown, jobId: string): Record<string, unknown> {
  const app =
    error instanceof AppError
      ? error
      : new AppError('internal', 'The job failed unexpectedly', { internalMessage: String(error) });
  return {
    type: `/problems/${app.code.replaceAll('_', '-')}`,
    title: app.title,
    status: app.status,
    detail: app.detail,
    instance: `/v1/jobs/${jobId}`,
    code: app.code,
    request_id: jobId,
    ...(app.options.errors ? { errors: app.options.errors } : {}),
    ...app.options.extensions,
  };
}

/** Progress is written at most this often (and always at the end). */
const PROGRESS_WRITE_MS = 500;

export function createJobsService(db: Database, deps: { clock: Clock; logger: Logger }) {
  const { clock, logger } = deps;

  function visible(principal: Principal, row: JobRow): boolean {
    if (principal.role === 'admin') return true;
    if (principal.role === 'partner') return row.scope_partner_id === principal.partnerId;
    return row.scope_creator_id === principal.creatorId;
  }

  const runners = new Map<string, JobRunner>();
  /** Jobs running in this process (tests and shutdown wait for them). */
  const running = new Set<Promise<void>>();
  let enqueue: ((jobId: string) => Promise<unknown>) | undefined;

  const service = {
    /** The work behind a kind of job (one runner per kind). */
    register(kind: string, runner: JobRunner) {
      if (runners.has(kind)) throw new Error(`a runner for ${kind} exists already`);
      runners.set(kind, runner);
    },

    /** From now on, submitted jobs go to this queue (a worker runs them with `execute`). */
    useQueue(send: (jobId: string) => Promise<unknown>) {
      enqueue = send;
    },

    /** Records a job (queued) and hands it to the queue, or runs it here when there is none. */
    async submit(principal: Principal, kind: string, input: Record<string, unknown>) {
      if (!runners.has(kind)) throw new Error(`no runner for job kind ${kind}`);
      const job = await service.create(principal, kind, input);
      if (enqueue) await enqueue(job.id);
      else {
        const work = service.execute(job.id);
        running.add(work);
        void work.finally(() => running.delete(work));
      }
      return job;
    },

    /**
     * Runs a queued job's work as the principal that started it (a worker, or `submit` in-process).
     * `retry`: the queue's retry of an attempt whose worker died, leaving the job `running`.
     */
    async execute(id: string, retry = false) {
      const row = await repo.findJob(db, id);
      const runner = row && runners.get(row.kind);
      if (!row || !runner) return logger.warn({ jobId: id }, 'no such job, or no runner for its kind');
      const principal = principalFromKey({
        id: row.started_by_key_id,
        role: row.scope_role as Role,
        creator_id: row.scope_creator_id,
        partner_id: row.scope_partner_id,
      });
      await runInBackground(service, id, (report) => runner(principal, row.input, report), logger, retry);
    },

    /** Resolves when every job run in this process has finished (tests, shutdown). */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
    },

    async create(principal: Principal, kind: string, input: Record<string, unknown>) {
      const row = await repo.insertJob(db, {
        id: `job_${randomUUID().replaceAll('-', '')}`,
        kind,
        input,
        started_by_key_id: principal.keyId,
        scope_role: principal.role,
        scope_creator_id: 'creatorId' in principal ? principal.creatorId : null,
        scope_partner_id: 'partnerId' in principal ? principal.partnerId : null,
        created_at: clock.now(),
      });
      return toJob(row);
    },

    async get(principal: Principal, id: string) {
      const row = await repo.findJob(db, id);
      if (!row || !visible(principal, row)) throw notFound('job', id);
      return toJob(row);
    },

    start: (id: string, restart = false) => repo.markRunning(db, id, clock.now(), restart),

    /** A reporter that writes progress at most every 0.5 s, never backwards. */
    progressReporter(id: string): ProgressReporter & { flush(): Promise<void> } {
      let last = 0;
      let pending: Promise<void> = Promise.resolve();
      let latest: [number, string] | null = null;
      const write = () => {
        if (!latest) return;
        const [fraction, message] = latest;
        latest = null;
        last = Date.now();
        pending = pending
          .then(() => repo.updateProgress(db, id, Math.max(0, Math.min(1, fraction)), message, clock.now()))
          .catch((error: unknown) => logger.warn({ err: error, jobId: id }, 'job progress not written'));
      };
      const report = ((fraction: number, message: string) => {
        latest = [fraction, message];
        if (Date.now() - last >= PROGRESS_WRITE_MS) write();
      }) as ProgressReporter & { flush(): Promise<void> };
      report.flush = async () => {
        write();
        await pending;
      };
      return report;
    },

    async succeed(id: string, outcome: JobOutcome) {
      return repo.markFinished(
        db,
        id,
        {
          state: 'succeeded',
          message: outcome.message ?? 'done',
          result: outcome.result,
          result_url: outcome.resultUrl,
          error: null,
        },
        clock.now(),
      );
    },

    async fail(id: string, error: unknown) {
      const problem = problemOf(error, id);
      return repo.markFinished(
        db,
        id,
        { state: 'failed', message: String(problem.detail), result: null, result_url: null, error: problem },
        clock.now(),
      );
    },
  };
  return service;
}

export type JobsService = ReturnType<typeof createJobsService>;

/**
 * Runs a job's work in this process, after the caller has answered: running → progress →
 * succeeded with its result, or failed with the problem that ended it. Answers when it is over
 * (tests and shutdown await it; the HTTP handler does not).
 */
export async function runInBackground(
  jobs: JobsService,
  jobId: string,
  work: (report: ProgressReporter) => Promise<JobOutcome>,
  logger: Logger,
  restart = false,
): Promise<void> {
  if (!(await jobs.start(jobId, restart))) return;
  const report = jobs.progressReporter(jobId);
  try {
    const outcome = await work(report);
    await report.flush();
    await jobs.succeed(jobId, outcome);
  } catch (error) {
    await report.flush();
    if (!(error instanceof AppError)) logger.error({ err: error, jobId }, 'job failed');
    await jobs.fail(jobId, error);
  }
}
