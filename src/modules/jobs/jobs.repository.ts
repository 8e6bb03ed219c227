import type { Queryable } from '../../db/database';
import type { Schemas } from '../../http/contract';

/** Jobs SQL, one intent-named query per function, no rules. */
export type JobState = Schemas['Job']['state'];

export interface JobRow {
  id: string;
  kind: string;
  state: JobState;
  progress: number;
  message: string;
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
  result_url: string | null;
  error: Record<string, unknown> | null;
  started_by_key_id: string;
  scope_role: string;
  scope_creator_id: string | null;
  scope_partner_id: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

export interface NewJob {
  id: string;
  kind: string;
  input: Record<string, unknown>;
  started_by_key_id: string;
  scope_role: string;
  scope_creator_id: string | null;
  scope_partner_id: string | null;
  created_at: Date;
}

const columns = `id, kind, state, progress, message, input, result, result_url, error, started_by_key_id, scope_role,
  scope_creator_id, scope_partner_id, created_at, started_at, finished_at, updated_at`;

export const jobsRepository = {
  async insertJob(db: Queryable, job: NewJob) {
    const { rows } = await db.query<JobRow>(
      `insert into jobs (id, kind, input, started_by_key_id, scope_role, scope_creator_id, scope_partner_id, created_at, updated_at)
       values ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $8) returning ${columns}`,
      [
        job.id,
        job.kind,
        JSON.stringify(job.input),
        job.started_by_key_id,
        job.scope_role,
        job.scope_creator_id,
        job.scope_partner_id,
        job.created_at,
      ],
    );
    return rows[0]!;
  },
  async findJob(db: Queryable, id: string) {
    return (await db.query<JobRow>(`select ${columns} from jobs where id = $1`, [id])).rows[0];
  },
  /**
   * queued → running (or running → running again when `restart`: the attempt that ran it died);
   * answers false when the job was in neither state (finished or cancelled meanwhile).
   */
  async markRunning(db: Queryable, id: string, at: Date, restart = false) {
    const { rowCount } = await db.query(
      `update jobs set state = 'running', started_at = $2, updated_at = $2
       where id = $1 and (state = 'queued' or ($3 and state = 'running'))`,
      [id, at, restart],
    );
    return rowCount > 0;
  },
  /** Progress only moves forward and only while running. */
  async updateProgress(db: Queryable, id: string, progress: number, message: string, at: Date) {
    await db.query(
      `update jobs set progress = greatest(progress, $2), message = $3, updated_at = $4 where id = $1 and state = 'running'`,
      [id, progress, message, at],
    );
  },
  async markFinished(
    db: Queryable,
    id: string,
    outcome: {
      state: 'succeeded' | 'failed' | 'cancelled';
      message: string;
      result: Record<string, unknown> | null;
      result_url: string | null;
      error: Record<string, unknown> | null;
    },
    at: Date,
  ) {
    const { rows } = await db.query<JobRow>(
      `update jobs set state = $2, progress = case when $2 = 'succeeded' then 1 else progress end, message = $3,
         result = $4::jsonb, result_url = $5, error = $6::jsonb, finished_at = $7, updated_at = $7
       where id = $1 and state in ('queued', 'running') returning ${columns}`,
      [
        id,
        outcome.state,
        outcome.message,
        outcome.result === null ? null : JSON.stringify(outcome.result),
        outcome.result_url,
        outcome.error === null ? null : JSON.stringify(outcome.error),
        at,
      ],
    );
    return rows[0];
  },
};
