import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * Every response an API test receives is checked against openapi.yaml: the operation is found by
 * method and path, the answer's status must be one it declares (an error status not declared is
 * still checked as a problem document), and a JSON body must match the declared schema. The
 * schemas are the contract's own, turned into zod validators once (components become `$defs`).
 */
type JsonSchema = Record<string, unknown>;
interface ResponseObject {
  $ref?: string;
  content?: Record<string, { schema?: JsonSchema }>;
}
interface Operation {
  operationId?: string;
  responses?: Record<string, ResponseObject>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema>; responses: Record<string, ResponseObject> };
}

const spec = parse(fs.readFileSync(path.resolve(import.meta.dirname, '../../openapi.yaml'), 'utf8')) as Spec;

/** `#/components/schemas/X` → `#/$defs/X`, everywhere in a schema. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === '$ref' && typeof v === 'string' ? v.replace('#/components/schemas/', '#/$defs/') : rewriteRefs(v);
    }
    return out;
  }
  return value;
}
const $defs = rewriteRefs(spec.components.schemas) as Record<string, JsonSchema>;

const validators = new Map<string, z.ZodType>();
function validatorFor(schema: JsonSchema): z.ZodType {
  const key = JSON.stringify(schema);
  let validator = validators.get(key);
  if (!validator) {
    validator = z.fromJSONSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      ...(rewriteRefs(schema) as JsonSchema),
      $defs,
    } as Parameters<typeof z.fromJSONSchema>[0]);
    validators.set(key, validator);
  }
  return validator;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
/** Templates as patterns; literal segments rank before parameters (`/plans/what-if` before `/plans/{id}`). */
const routes = Object.entries(spec.paths)
  .flatMap(([template, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({
      method,
      template,
      operation: item[method]!,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`),
      params: (template.match(/\{/g) ?? []).length,
    })),
  )
  .sort((a, b) => a.params - b.params);

function resolve(response: ResponseObject): ResponseObject {
  if (!response.$ref) return response;
  const name = response.$ref.replace('#/components/responses/', '');
  return spec.components.responses[name]!;
}

export interface ContractAnswer {
  method: string;
  /** the request path, with its query */
  path: string;
  status: number;
  contentType: string | null;
  body: unknown;
}

/**
 * The ways `answer` departs from the contract (empty when it keeps to it). Paths the contract does
 * not describe (the dashboard, docs, health, metrics) and non-JSON bodies (CSV) are not checked.
 */
export function contractViolations(answer: ContractAnswer): string[] {
  const pathname = answer.path.split('?')[0]!;
  const method = answer.method.toLowerCase();
  const route = routes.find((r) => r.method === method && r.pattern.test(pathname));
  if (!route) return [];
  const where = `${answer.method.toUpperCase()} ${route.template} → ${answer.status}`;
  const declared = route.operation.responses?.[String(answer.status)] ?? route.operation.responses?.default;
  let response: ResponseObject;
  if (declared) response = resolve(declared);
  else if (answer.status >= 400) response = spec.components.responses.Problem!;
  else return [`${where}: status not declared in openapi.yaml`];
  const type = (answer.contentType ?? '').split(';')[0]!.trim();
  if (!response.content) return answer.body === undefined ? [] : [`${where}: a body where the contract declares none`];
  if (type !== 'application/json' && type !== 'application/problem+json') {
    return Object.keys(response.content).some(
      (declaredType) => declaredType.startsWith('text/') || declaredType === type,
    )
      ? []
      : [`${where}: content type '${type}' not declared (${Object.keys(response.content).join(', ')})`];
  }
  const media =
    response.content[type] ?? response.content['application/json'] ?? response.content['application/problem+json'];
  if (!media) return [`${where}: content type '${type}' not declared (${Object.keys(response.content).join(', ')})`];
  if (!media.schema) return [];
  const result = validatorFor(media.schema).safeParse(answer.body);
  if (result.success) return [];
  return result.error.issues
    .slice(0, 5)
    .map((issue) => `${where}: ${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`);
}

/** Throws when `answer` departs from the contract (called on every response of the API test client). */
export function assertKeepsContract(answer: ContractAnswer): void {
  const violations = contractViolations(answer);
  if (violations.length > 0) throw new Error(`response breaks openapi.yaml:\n  ${violations.join('\n  ')}`);
}
