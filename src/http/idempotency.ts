import { createHash, type Hash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { MAX_IDEMPOTENCY_KEY_LENGTH, type IdempotencyService } from '../modules/idempotency/idempotency.service';
import { AppError } from './app-error';
import { principalOf } from './request-context';

/**
 * The Idempotency-Key header on POST requests (see the contract's introduction): the first answer
 * is kept and replayed, the work is done once. Runs after authentication (keys are scoped to the
 * API key that sent them) and before the routes.
 *
 * The request's identity is a SHA-256 of its method, path and body. A JSON body is hashed as parsed;
 * a streamed body (NDJSON, CSV imports) is hashed as the route reads it, through `requestBody(req)`,
 * so an import is never held in memory for the sake of its key. An answer is stored before it is
 * sent, so a retry that follows it finds it; answers of 500 and above, and 429, are not kept.
 */
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request's Idempotency-Key, when this request holds its claim. */
      idempotencyKey?: string;
      /** The request body as routes must read it when it streams (hashed on the way). */
      idempotentBody?: AsyncIterable<Buffer>;
    }
  }
}

export const REPLAYED_HEADER = 'Idempotent-Replayed';
/** Routes whose answers carry a secret stored only hashed (or never again): never kept, the header is ignored. */
const NOT_KEPT = [/^\/v1\/keys\/?$/, /^\/v1\/partners\/[^/]+\/signing-secret\/?$/];
/** Response headers replayed with a stored answer. */
const KEPT_HEADERS = ['content-type', 'location'];

export function idempotencyKeyOf(req: Request): string | undefined {
  return req.idempotencyKey;
}

/** True when the body is still to be read (a streamed import) rather than already parsed as JSON. */
function streams(req: Request): boolean {
  const hasBody = req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
  return hasBody && !req.readableEnded;
}

async function* hashing(source: AsyncIterable<Buffer>, hash: Hash, onEnd: () => void): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    hash.update(chunk);
    yield chunk;
  }
  onEnd();
}

/**
 * Keeping or releasing a claim is retried a few times: when the database connection that served the
 * request was just lost, a fresh one usually answers, and a claim left behind would make retries
 * wait for its lease (409) even though the request has ended.
 */
async function persistently(work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

export function createIdempotency(service: IdempotencyService) {
  /**
   * Answers the request from its key when it can (a replay; 409 while the first runs; 422 for a
   * different request), else claims the key and arranges for the answer to be kept. `rawBody`: a
   * body the route has already read whole (signed imports). Resolves to 'answered' or 'proceed'.
   */
  async function begin(req: Request, res: Response, rawBody?: Buffer): Promise<'answered' | 'proceed'> {
    const key = req.get('idempotency-key');
    if (key === undefined || req.method !== 'POST') return 'proceed';
    const path = req.originalUrl.split('?')[0]!;
    if (NOT_KEPT.some((pattern) => pattern.test(path))) return 'proceed';
    if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
      throw new AppError('validation_failed', `The Idempotency-Key header must be 1 to 255 characters long`, {
        errors: [{ path: 'Idempotency-Key', message: `${key.length} characters; at most 255` }],
      });
    }
    const scope = principalOf(req).keyId;
    const hash = createHash('sha256').update(`${req.method} ${req.originalUrl}\n`);
    const streamed = rawBody === undefined && streams(req);
    if (rawBody !== undefined) hash.update(rawBody);
    else if (!streamed) hash.update(JSON.stringify(req.body ?? null));

    const claim = await service.claim(scope, key);
    if (claim.kind === 'running') {
      throw new AppError('conflict', 'A request with this Idempotency-Key is still running; retry shortly', {
        headers: { 'Retry-After': '1' },
        extensions: { reason: 'idempotency_key_in_use' },
      });
    }
    if (claim.kind === 'done') {
      if (streamed) for await (const chunk of req as AsyncIterable<Buffer>) hash.update(chunk);
      if (hash.digest('hex') !== claim.requestHash) {
        throw new AppError(
          'unprocessable',
          'This Idempotency-Key was already used for a different request (method, path or body); use a new key',
          { errors: [{ path: 'Idempotency-Key', message: 'already used for a different request' }] },
        );
      }
      res.status(claim.answer.status);
      for (const [name, value] of Object.entries(claim.answer.headers)) res.setHeader(name, value);
      res.setHeader(REPLAYED_HEADER, 'true');
      res.send(claim.answer.body);
      return 'answered';
    }

    const { token } = claim;
    let bodyRead = !streamed;
    if (streamed)
      req.idempotentBody = hashing(
        req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>,
        hash,
        () => (bodyRead = true),
      );
    req.idempotencyKey = key;
    const renewal = setInterval(() => {
      service.renew(scope, key, token).catch((error: unknown) => req.log.warn({ err: error }, 'lease renewal failed'));
    }, service.leaseMs / 3);
    renewal.unref();

    const chunks: Buffer[] = [];
    const collect = (chunk: unknown, encoding: unknown) => {
      if (Buffer.isBuffer(chunk)) chunks.push(chunk);
      else if (typeof chunk === 'string')
        chunks.push(Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    };
    const settle = async () => {
      clearInterval(renewal);
      const status = res.statusCode;
      // A failure, a rate limit or a body never read whole is not an answer to keep: a retry runs again.
      if (status >= 500 || status === 429 || !bodyRead) {
        await persistently(() => service.release(scope, key, token));
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = res.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      const digest = hash.digest('hex');
      const answer = { status, headers, body: Buffer.concat(chunks).toString('utf8') };
      await persistently(() => service.complete(scope, key, token, digest, answer));
    };

    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.write = ((...args: unknown[]) => {
      collect(args[0], args[1]);
      return write(...args);
    }) as Response['write'];
    let ended = false;
    res.end = ((...args: unknown[]) => {
      if (ended) return end(...args);
      ended = true;
      collect(typeof args[0] === 'function' ? undefined : args[0], args[1]);
      // The answer is kept before it is sent, so a retry that follows the answer finds it.
      settle()
        .catch((error: unknown) => req.log.error({ err: error }, 'could not keep the idempotent answer'))
        .finally(() => end(...args));
      return res;
    }) as Response['end'];
    return 'proceed';
  }

  return {
    service,
    begin,
    /** The middleware form, mounted after authentication. */
    middleware: async (req: Request, res: Response, next: NextFunction) => {
      if ((await begin(req, res)) === 'proceed') next();
    },
  };
}

export type Idempotency = ReturnType<typeof createIdempotency>;
