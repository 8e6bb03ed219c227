/**
 * The typed client of this API: openapi-fetch over the types generated from openapi.yaml, so a path,
 * a parameter or a body that the contract does not have fails to compile in the caller.
 *
 *   const api = createPlannerClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.MF_KEY! });
 *   const { data, error } = await api.GET('/v1/estimates', {
 *     params: { query: { sku_id: 'sku-nova-tee', postal_code: '94107' } },
 *   });
 *
 * `data` is the typed 2xx body; `error` the problem+json body of a refusal (with `code`, `detail`,
 * `errors`). Lists page with `limit` and `cursor`: `pages()` walks them.
 */
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from '../generated/openapi';

export type { components, operations, paths };
export type Schemas = components['schemas'];
export type PlannerClient = Client<paths>;

export interface PlannerClientOptions extends Omit<ClientOptions, 'baseUrl' | 'headers'> {
  /** Where the service answers, e.g. `http://127.0.0.1:3000` (without `/v1`). */
  baseUrl: string;
  /** An API key (`mf_…`): sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  headers?: Record<string, string>;
}

export function createPlannerClient(options: PlannerClientOptions): PlannerClient {
  const { apiKey, headers, ...rest } = options;
  return createClient<paths>({ ...rest, headers: { ...headers, authorization: `Bearer ${apiKey}` } });
}

/** A refusal as an Error: the problem document's detail, with the document itself. */
export class PlannerApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Schemas['Problem']> | undefined,
  ) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.name = 'PlannerApiError';
  }
}

/**
 * The body of a successful call, or a PlannerApiError: `const plan = await ok(api.POST(...))`.
 */
export async function ok<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T> | (T extends undefined ? undefined : never)> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    throw new PlannerApiError(response.status, error as Partial<Schemas['Problem']> | undefined);
  }
  return data as NonNullable<T>;
}

/** Every item of a list, page after page, following `next_cursor`. */
export async function* pages<Item>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: Item[]; next_cursor: string | null }>,
): AsyncGenerator<Item> {
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    for (const item of page.items) yield item;
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
}
