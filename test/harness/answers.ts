import { expect } from 'vitest';
import type { Schemas } from '../../src/client';

/**
 * Reading typed-client answers in tests. `api.GET(...)` resolves to `{ data, error, response }`:
 * `data` is the 2xx body typed from openapi.yaml, `error` the problem document. These helpers
 * assert the exact status first (showing the body when it is not the one expected), then hand back
 * the typed body, so a test's reads are checked against the contract at compile time.
 */
type Answer<D> = Promise<{ data?: D; error?: unknown; response: Response }>;
/**
 * A JSON body: routes that also answer CSV declare `string | T`, but these helpers read JSON (a CSV
 * answer is read raw, with `app.rawRequest`), so the string is never what they hold.
 */
type Json<D> = Exclude<D, string>;
export type Problem = Schemas['Problem'];

/** The body text of each typed-client answer, as the service sent it (the harness records it). */
const bodyTexts = new WeakMap<Response, string>();
export function recordBodyText(response: Response, text: string): void {
  bodyTexts.set(response, text);
}

function shown(answer: { data?: unknown; error?: unknown }): string {
  return JSON.stringify(answer.error ?? answer.data ?? null);
}

type Job = Schemas['Job'];
/**
 * The body at one status of an operation whose 2xx answers differ: a 202 is the job of work queued
 * with `Prefer: respond-async`; any other 2xx of such an operation is its own resource (an operation
 * that only ever answers a job, GET /v1/jobs/{id}, keeps it).
 */
type BodyAt<D, S extends number> = S extends 202
  ? Extract<D, Job>
  : [Exclude<D, Job>] extends [never]
    ? D
    : Exclude<D, Job>;

/** The typed body of an answer that must have `status` (a 2xx). */
export async function expectData<D, S extends number>(
  status: S,
  call: Answer<D>,
): Promise<NonNullable<Json<BodyAt<D, S>>>> {
  const answer = await call;
  expect(answer.response.status, shown(answer)).toBe(status);
  expect(typeof answer.data, 'a JSON body').not.toBe('string');
  return answer.data as NonNullable<Json<BodyAt<D, S>>>;
}

/** The problem document of an answer that must have `status` (a 4xx or 5xx). */
export async function expectProblem(status: number, call: Answer<unknown>): Promise<Problem> {
  const answer = await call;
  expect(answer.response.status, shown(answer)).toBe(status);
  return answer.error as Problem;
}

/** The status of an answer, for tests that only look at it. */
export async function statusOf(call: Answer<unknown>): Promise<number> {
  return (await call).response.status;
}

/** A typed-client answer read the way the raw helper's was: status, headers, and the typed bodies. */
export interface TypedAnswer<D> {
  status: number;
  headers: Headers;
  /**
   * The 2xx body, typed from openapi.yaml (undefined on a refusal or an empty answer); the
   * operation's own resource, not the job a 202 would carry (read that with `expectData(202, …)`).
   */
  data: Json<BodyAt<D, 200>> | undefined;
  /** The problem document of a refusal (undefined on success). */
  error: Problem | undefined;
  /** The job a 202 carries (work queued with `Prefer: respond-async`); undefined on any other status. */
  job: Job | undefined;
  /** The body exactly as the service sent it (for assertion messages and byte-for-byte comparisons). */
  text: string;
}

export async function answer<D>(call: Answer<D>): Promise<TypedAnswer<D>> {
  const { data, error, response } = await call;
  return {
    status: response.status,
    headers: response.headers,
    data: data as Json<BodyAt<D, 200>> | undefined,
    error: error as Problem | undefined,
    job: response.status === 202 ? (data as Job) : undefined,
    text: bodyTexts.get(response) ?? JSON.stringify(error ?? data ?? null),
  };
}

/**
 * The problem document of a raw answer (`app.rawRequest`, whose body is `unknown`): the harness has
 * already checked the answer against openapi.yaml, so a refusal's body is a problem document; this
 * checks it is one and types it.
 */
export function problemIn(res: { status: number; body: unknown }): Problem {
  expect(res.status, JSON.stringify(res.body)).toBeGreaterThanOrEqual(400);
  expect(res.body).toMatchObject({ type: expect.any(String), code: expect.any(String), status: res.status });
  return res.body as Problem;
}
