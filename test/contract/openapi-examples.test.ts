import fs from 'node:fs';
import Ajv2020 from '@redocly/ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../../src/http/docs';

/**
 * Every request body and every response body of the contract has an example (Swagger UI used to show
 * "string" and 0), and each example is valid against its own schema, as the schemas declare it
 * (additionalProperties included): an example that drifts from the contract fails here.
 */
interface MediaType {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { value?: unknown }>;
}
type Spec = {
  paths: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, MediaType> }; responses?: Record<string, unknown> }>
  >;
  components: { responses: Record<string, { content?: Record<string, MediaType> }> };
};

const spec = parse(fs.readFileSync(OPENAPI_PATH, 'utf8')) as Spec;
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const pointer = (parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

interface Body {
  where: string;
  /** JSON pointer of the media type object inside the spec. */
  path: string[];
  media: MediaType;
}

function bodies(): Body[] {
  const out: Body[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      for (const [type, media] of Object.entries(op.requestBody?.content ?? {}))
        out.push({
          where: `${method.toUpperCase()} ${template} request ${type}`,
          path: ['paths', template, method, 'requestBody', 'content', type],
          media,
        });
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        const ref = (response as { $ref?: string }).$ref;
        if (ref) continue; // component responses are checked once below
        const content = (response as { content?: Record<string, MediaType> }).content ?? {};
        for (const [type, media] of Object.entries(content))
          out.push({
            where: `${method.toUpperCase()} ${template} ${status} ${type}`,
            path: ['paths', template, method, 'responses', status, 'content', type],
            media,
          });
      }
    }
  }
  for (const [name, response] of Object.entries(spec.components.responses))
    for (const [type, media] of Object.entries(response.content ?? {}))
      out.push({
        where: `components.responses.${name} ${type}`,
        path: ['components', 'responses', name, 'content', type],
        media,
      });
  return out;
}

describe('examples in the contract', () => {
  const all = bodies();
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(spec as object, 'openapi');

  it('covers every request and response body', () => {
    expect(all.length).toBeGreaterThan(90);
    const missing = all
      .filter((b) => b.media.example === undefined && b.media.examples === undefined)
      .map((b) => b.where);
    expect(missing).toEqual([]);
  });

  it('has every example valid against its schema', () => {
    const invalid: string[] = [];
    for (const body of all) {
      if (!body.media.schema) continue;
      const validate = ajv.compile({ $ref: `openapi#/${pointer([...body.path, 'schema'])}` });
      const examples = body.media.examples
        ? Object.values(body.media.examples).map((e) => e.value)
        : [body.media.example];
      for (const example of examples) {
        if (!validate(example)) invalid.push(`${body.where}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    expect(invalid).toEqual([]);
  });

  it('catches an example that does not match its schema', () => {
    const validate = ajv.compile({ $ref: 'openapi#/components/schemas/Hold' });
    expect(validate({ id: 'hold-1', status: 'pending' })).toBe(false);
  });
});
