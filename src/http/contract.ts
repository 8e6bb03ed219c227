import type { components, operations } from '../generated/openapi';

/** Types from openapi.yaml: a contract change that breaks a handler fails to compile. */
export type Schemas = components['schemas'];

/** The JSON body a given operation answers with for a status. */
export type ResponseBody<Op extends keyof operations, Status extends number> =
  operations[Op]['responses'] extends Record<Status, { content: { 'application/json': infer Body } }> ? Body : never;
