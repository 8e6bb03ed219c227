import fs from 'node:fs';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { parse } from 'yaml';
import { AppError } from './app-error';
import { OPENAPI_PATH } from './docs';
import { boundedQueryMemo, rawQueryOf } from './validate';

/**
 * The operations of openapi.yaml as the HTTP layer needs them: each (method, path template) with
 * the query parameters it declares. One table serves two checks that must never drift from the
 * contract: an undeclared query parameter is a 400 naming it (never silently ignored), and the
 * access log names the route by its template.
 */
export interface Operation {
  operationId: string;
  method: string;
  /** As the contract writes it, e.g. `/v1/drops/{dropId}/plans`. */
  template: string;
  queryParameters: ReadonlySet<string>;
}

interface ParameterObject {
  name?: string;
  in?: string;
  $ref?: string;
}
interface Spec {
  paths: Record<string, Record<string, unknown> & { parameters?: ParameterObject[] }>;
  components?: { parameters?: Record<string, ParameterObject> };
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

export function operationsOf(spec: Spec): Operation[] {
  const resolve = (p: ParameterObject): ParameterObject =>
    p.$ref ? (spec.components?.parameters?.[p.$ref.replace('#/components/parameters/', '')] ?? {}) : p;
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const shared = (item.parameters ?? []).map(resolve);
    for (const [method, value] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const op = value as { operationId: string; parameters?: ParameterObject[] };
      const all = [...shared, ...(op.parameters ?? []).map(resolve)];
      operations.push({
        operationId: op.operationId,
        method: method.toUpperCase(),
        template,
        queryParameters: new Set(all.filter((p) => p.in === 'query' && p.name).map((p) => p.name!)),
      });
    }
  }
  return operations;
}

export interface OperationIndex {
  /** The operation a request path and method are, or undefined when the contract has none. */
  find(method: string, path: string): Operation | undefined;
  byId(operationId: string): Operation | undefined;
}

export function operationIndex(operations: Operation[]): OperationIndex {
  const compiled = operations.map((op) => ({
    op,
    // A literal segment beats a parameter (`/plans/compare` before `/plans/{planId}`): sort by literals.
    literals: op.template.split('/').filter((s) => s && !s.startsWith('{')).length,
    pattern: new RegExp(`^${op.template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
  compiled.sort((a, b) => b.literals - a.literals);
  const ids = new Map(operations.map((op) => [op.operationId, op]));
  const cache = new Map<string, Operation | null>();
  return {
    find(method, path) {
      const key = `${method} ${path}`;
      let found = cache.get(key);
      if (found === undefined) {
        const m = method === 'HEAD' ? 'GET' : method;
        found = compiled.find((c) => c.op.method === m && c.pattern.test(path))?.op ?? null;
        // Paths with ids are unbounded: cache only while the cache is small.
        if (cache.size < 10_000) cache.set(key, found);
      }
      return found ?? undefined;
    },
    byId: (operationId) => ids.get(operationId),
  };
}

let loaded: OperationIndex | undefined;
/** The operations of the served openapi.yaml, read once. */
export function contractOperations(): OperationIndex {
  loaded ??= operationIndex(operationsOf(parse(fs.readFileSync(OPENAPI_PATH, 'utf8')) as Spec));
  return loaded;
}

function unknownParameters(op: Operation, query: Request['query']): string[] {
  const unknown: string[] = [];
  for (const name in query) if (!op.queryParameters.has(name)) unknown.push(name);
  return unknown;
}

function refuse(op: Operation, unknown: string[]): AppError {
  const allowed = [...op.queryParameters];
  return new AppError(
    'validation_failed',
    `Unknown query parameter${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (${op.method} ${op.template} takes ${
      allowed.length > 0 ? allowed.join(', ') : 'none'
    })`,
    { errors: unknown.map((name) => ({ path: name, message: 'unknown query parameter' })) },
  );
}

/** Refuses any query parameter the request's operation does not declare; other paths pass through. */
export function rejectUndeclaredQuery(index: OperationIndex): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.url.indexOf('?') < 0) return next();
    const op = index.find(req.method, req.originalUrl.split('?')[0]!);
    if (op) {
      const unknown = unknownParameters(op, req.query);
      if (unknown.length > 0) throw refuse(op, unknown);
    }
    next();
  };
}

/** The same check for one known operation (the hot estimate route skips the path lookup). */
export function rejectUndeclaredQueryOf(op: Operation): RequestHandler {
  // A query string that passed once passes again: the check is a pure function of it.
  const passed = boundedQueryMemo<true>();
  return (req: Request, _res: Response, next: NextFunction) => {
    const raw = rawQueryOf(req);
    if (passed.get(raw)) return next();
    const unknown = unknownParameters(op, req.query);
    if (unknown.length > 0) throw refuse(op, unknown);
    passed.set(raw, true);
    next();
  };
}
