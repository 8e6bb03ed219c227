import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Outgoing webhook signatures, in the style partners know from Stripe:
 *
 *   X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * The timestamp is inside the MAC, so a receiver that rejects old timestamps also rejects replays.
 */
export const WEBHOOK_SIGNATURE_HEADER = 'X-Signature';
export const WEBHOOK_TOLERANCE_SECONDS = 300;

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

export function webhookSignature(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.`).update(body).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** What a receiver does: parse the header, check freshness, compare in constant time. */
export function verifyWebhookSignature(input: {
  secret: string;
  header: string | undefined;
  body: string;
  now: Date;
  toleranceSeconds?: number;
}): boolean {
  const parts = Object.fromEntries(
    (input.header ?? '').split(',').map((kv) => kv.trim().split('=', 2) as [string, string]),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return false;
  if (Math.abs(input.now.getTime() / 1000 - t) > (input.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(webhookSignature(input.secret, t, input.body));
  const presented = Buffer.from(input.header!.trim());
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}
