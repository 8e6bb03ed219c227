import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 request signing for partner systems.
 *
 *   X-Signature-Timestamp: <unix seconds>
 *   X-Signature: sha256=<hex of HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * Binding the timestamp into the MAC stops a captured request from being replayed with a fresh
 * timestamp; the tolerance bounds how long a captured request stays replayable (and ingest is
 * idempotent on event ids, so a replay inside the window changes nothing).
 */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function signBody(secret: string, timestamp: number | string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export type SignatureCheck =
  | { ok: true }
  | {
      ok: false;
      reason: 'missing_headers' | 'malformed_timestamp' | 'stale_timestamp' | 'bad_signature';
      detail: string;
    };

export function verifySignature(input: {
  secret: string;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  body: string | Buffer;
  now: Date;
  toleranceSeconds?: number;
}): SignatureCheck {
  const { timestampHeader, signatureHeader } = input;
  if (!timestampHeader || !signatureHeader) {
    return {
      ok: false,
      reason: 'missing_headers',
      detail: 'Signed requests need X-Signature-Timestamp and X-Signature headers',
    };
  }
  if (!/^\d{1,12}$/.test(timestampHeader)) {
    return { ok: false, reason: 'malformed_timestamp', detail: 'X-Signature-Timestamp must be Unix time in seconds' };
  }
  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  const skew = Math.abs(input.now.getTime() / 1000 - Number(timestampHeader));
  if (skew > tolerance) {
    return {
      ok: false,
      reason: 'stale_timestamp',
      detail: `The signature timestamp is more than ${tolerance} seconds away from the server clock`,
    };
  }
  const expected = Buffer.from(signBody(input.secret, timestampHeader, input.body));
  const presented = Buffer.from(signatureHeader.trim());
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) {
    return { ok: false, reason: 'bad_signature', detail: 'The request signature does not match the body' };
  }
  return { ok: true };
}
