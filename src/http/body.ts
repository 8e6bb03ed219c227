import zlib from 'node:zlib';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from './app-error';

/**
 * Reading request bodies, the one way: after authentication, within a per-route byte limit that
 * counts decoded bytes (so a small gzip bomb is refused like a large body), decoding gzip, deflate
 * and br, and refusing corrupt encodings with 400. Nothing here blocks the event loop for long:
 * bytes are counted and scanned as they arrive, and the JSON depth check is one linear pass.
 */

const DECODERS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function tooLarge(limitBytes: number, what: string): AppError {
  return new AppError('payload_too_large', `${what} is larger than the ${limitBytes} bytes this endpoint accepts`, {
    extensions: { limit_bytes: limitBytes },
  });
}

function contentEncoding(req: Request): string {
  return (req.get('content-encoding') ?? 'identity').trim().toLowerCase() || 'identity';
}

/**
 * The request's body as it arrives, decoded, at most `limitBytes` decoded bytes. The request stream
 * is never destroyed here (that would cut the socket before the refusal is sent); a refusal that
 * leaves bytes unread makes the error handler close the connection after answering.
 */
export async function* bodyChunks(
  req: Request,
  limitBytes: number,
  what = 'The body',
): AsyncGenerator<Buffer, void, undefined> {
  const encoding = contentEncoding(req);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes, what);
  if (encoding !== 'identity' && !DECODERS[encoding])
    throw new AppError(
      'unsupported_media_type',
      `Content-Encoding '${encoding}' is not supported; use gzip, deflate or br`,
    );
  // Through the Idempotency-Key tap when the request holds a claim: the raw bytes are hashed as read.
  const incoming = req.idempotentBody ?? req.iterator({ destroyOnReturn: false });
  let size = 0;
  if (encoding === 'identity') {
    for await (const chunk of incoming as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limitBytes) throw tooLarge(limitBytes, what);
      yield chunk;
    }
    return;
  }
  // Decoding, pulled chunk by chunk: the decoder never runs ahead of what the consumer takes, so
  // a bomb is stopped a chunk after the limit, without inflating the rest.
  const decoder = DECODERS[encoding]!();
  let requestError: unknown;
  const settled = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        decoder.off('drain', done);
        decoder.off('close', done);
        resolve();
      };
      decoder.on('drain', done);
      decoder.on('close', done);
    });
  // Not awaited: once the consumer stops, the rest of the request is left to the connection's close.
  void (async () => {
    try {
      for await (const chunk of incoming as AsyncIterable<Buffer>) {
        if (decoder.destroyed) return;
        if (!decoder.write(chunk)) await settled();
      }
      if (!decoder.destroyed) decoder.end();
    } catch (error) {
      requestError = error;
      decoder.destroy(error as Error);
    }
  })();
  try {
    for await (const chunk of decoder.iterator({ destroyOnReturn: true }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limitBytes) throw tooLarge(limitBytes, `${what} (decoded)`);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof AppError || requestError !== undefined) throw error;
    throw new AppError('bad_request', `The body is not valid ${encoding} data`, { internalMessage: String(error) });
  } finally {
    if (!decoder.destroyed) decoder.destroy();
  }
}

/** The whole body (decoded), refused past `limitBytes`. */
export async function readBody(req: Request, limitBytes: number, what?: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of bodyChunks(req, limitBytes, what)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The raw bytes as sent (not decoded), e.g. for a signature check; refused past `limitBytes`. */
export async function readRawBody(req: Request, limitBytes: number, what = 'The body'): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limitBytes) throw tooLarge(limitBytes, what);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw tooLarge(limitBytes, what);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Decodes bytes already read whole (a signed body), with the same limit and errors as bodyChunks. */
export function decodeBody(raw: Buffer, encoding: string, limitBytes: number): Buffer {
  const name = encoding.trim().toLowerCase() || 'identity';
  if (name === 'identity') return raw;
  const options = { maxOutputLength: limitBytes };
  try {
    if (name === 'gzip' || name === 'x-gzip') return zlib.gunzipSync(raw, options);
    if (name === 'deflate') return zlib.inflateSync(raw, options);
    if (name === 'br') return zlib.brotliDecompressSync(raw, options);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limitBytes, 'The body (decoded)');
    throw new AppError('bad_request', `The body is not valid ${name} data`, { internalMessage: String(error) });
  }
  throw new AppError('unsupported_media_type', `Content-Encoding '${name}' is not supported; use gzip, deflate or br`);
}

/**
 * A streaming check of JSON nesting depth over raw UTF-8 bytes: brackets outside strings counted
 * in one pass (a multi-byte character never contains an ASCII byte, so bytes are safe to scan).
 * Returns false as soon as the depth passes `maxDepth`, before anything is parsed.
 */
export function jsonDepthGuard(maxDepth: number): (chunk: Uint8Array) => boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  return (chunk) => {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === 0x5c) escaped = true;
        else if (byte === 0x22) inString = false;
      } else if (byte === 0x22) inString = true;
      else if (byte === 0x5b || byte === 0x7b) {
        if (++depth > maxDepth) return false;
      } else if (byte === 0x5d || byte === 0x7d) depth--;
    }
    return true;
  };
}

const JSON_TYPES = ['application/json', 'application/*+json'];

export interface JsonBodyOptions {
  /** The byte limit for this request (decoded); lets a few routes take larger bodies. */
  limitFor: (req: Request) => number;
  maxDepth: number;
}

/**
 * Parses an application/json body into req.body. Mounted after authentication, so a request
 * without a valid key never gets its body read. Other content types are left unread for the route
 * (streamed imports); a route that needs JSON then finds no body and says so.
 */
export function jsonBody(options: JsonBodyOptions) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    if (req.body !== undefined || !hasBody(req) || !req.is(JSON_TYPES)) {
      next();
      return;
    }
    const charset = /;\s*charset=([^;]+)/i
      .exec(req.get('content-type') ?? '')?.[1]
      ?.trim()
      .replace(/"/g, '');
    if (charset && !/^utf-?8$/i.test(charset))
      throw new AppError('unsupported_media_type', `JSON bodies are UTF-8; charset '${charset}' is not supported`);
    const guard = jsonDepthGuard(options.maxDepth);
    const chunks: Buffer[] = [];
    for await (const chunk of bodyChunks(req, options.limitFor(req))) {
      if (!guard(chunk))
        throw new AppError('bad_request', `The JSON body is nested deeper than ${options.maxDepth} levels`, {
          extensions: { max_depth: options.maxDepth },
        });
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      req.body = JSON.parse(text) as unknown;
    } catch (error) {
      throw new AppError('bad_request', `The body is not valid JSON: ${(error as Error).message}`);
    }
    next();
  };
}
