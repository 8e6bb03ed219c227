import { createHash, randomBytes } from 'node:crypto';

/**
 * Key format: `mf_<role>_<43 base64url chars>` (256 random bits). Only the SHA-256 is stored: a
 * key with that much entropy needs no salt or slow hash, and a lookup by hash stays one index probe.
 */
export function generateApiKey(role: string): { key: string; keyHash: string; keyPrefix: string } {
  const key = `mf_${role}_${randomBytes(32).toString('base64url')}`;
  return { key, keyHash: hashApiKey(key), keyPrefix: key.slice(0, key.indexOf('_', 3) + 5) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
