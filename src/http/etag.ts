import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { AppError } from './app-error';

/**
 * Conditional requests. A strong ETag is a hash of the exact bytes sent, so two answers share one
 * only when they are byte-identical (JSON and CSV of the same plan have different tags).
 * - GET with `If-None-Match` naming the current tag (or `*`) answers 304 with no body: partners
 *   polling their allocations pay for a body only when it changed.
 * - PUT with `If-Match` writes only when the resource's current representation still has that tag
 *   (`*`: only when it exists); otherwise 412, and nothing is written.
 */
export function strongEtag(body: string | Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

function listedTags(header: string): string[] {
  return header.split(',').map((tag) => tag.trim());
}

/** Weak comparison for If-None-Match (RFC 9110 §13.1.2): `W/"x"` matches `"x"`. */
function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const tags = listedTags(header);
  return tags.includes('*') || tags.some((tag) => tag.replace(/^W\//, '') === etag);
}

/** Sends `body` with its strong ETag, or 304 when the client already holds it. */
export function sendTagged(req: Request, res: Response, body: string | Buffer, contentType: string): void {
  const etag = strongEtag(body);
  res.setHeader('ETag', etag);
  if (noneMatch(req.get('if-none-match'), etag)) {
    res.status(304).end();
    return;
  }
  res.type(contentType).send(body);
}

/** The JSON answer of a conditional GET, serialised once. */
export function sendTaggedJson(req: Request, res: Response, body: unknown): void {
  sendTagged(req, res, JSON.stringify(body), 'application/json');
}

/**
 * A read of live state stamped with the instant it was read (`as_of`): the tag covers the state,
 * not the stamp, so a poll answers 304 until a figure changes. A 304 keeps the client's copy,
 * whose `as_of` is then older than the check: the state it shows is still current.
 */
export function sendTaggedLiveJson<T extends { as_of: string }>(req: Request, res: Response, body: T): void {
  const { as_of: _readAt, ...state } = body;
  const etag = strongEtag(JSON.stringify(state));
  res.setHeader('ETag', etag);
  if (noneMatch(req.get('if-none-match'), etag)) {
    res.status(304).end();
    return;
  }
  res.json(body);
}

/** The tag a resource's JSON representation (as GET serves it) has. */
export function etagOfJson(resource: unknown): string {
  return strongEtag(JSON.stringify(resource));
}

/**
 * The `If-Match` precondition of a write, as a check the service runs on the resource's current
 * representation inside its transaction (undefined when the resource does not exist). Strong
 * comparison: a weak tag never matches.
 */
export type Precondition = (current: unknown) => void;

export function ifMatchOf(req: Request): Precondition | undefined {
  const header = req.get('if-match');
  if (header === undefined) return undefined;
  const tags = listedTags(header);
  return (current) => {
    const ok = current !== undefined && (tags.includes('*') || tags.includes(etagOfJson(current)));
    if (!ok) {
      throw new AppError(
        'precondition_failed',
        current === undefined
          ? 'If-Match: the resource does not exist'
          : 'If-Match: the resource has changed since that version was read (GET it again for its ETag)',
        current === undefined ? {} : { headers: { ETag: etagOfJson(current) } },
      );
    }
  };
}
