import type { FieldError } from '../../../http/app-error';

/**
 * Token-holder data arrives aggregated by region; a wallet address must never be stored. This
 * scan refuses a payload that carries one, whatever the field is called: a key that names
 * wallets or addresses, or a string value shaped like an address (EVM 0x…40 hex, ENS name,
 * base58 such as Solana or Bitcoin, bech32 such as bc1…/cosmos1…).
 */
const WALLET_KEY = /wallet|address|^owners?$|^holder_ids?$|^accounts?$|ens_?names?/i;
const WALLET_VALUE = [
  /^0x[0-9a-fA-F]{40}$/,
  /^[a-z0-9-]{1,64}\.eth$/i,
  /^[1-9A-HJ-NP-Za-km-z]{32,44}$/,
  /^(bc|tb|cosmos|osmo|addr|stake)1[02-9ac-hj-np-z]{20,90}$/,
];

export function looksLikeWalletAddress(value: string): boolean {
  return WALLET_VALUE.some((pattern) => pattern.test(value));
}

/** Paths (`rows[3].wallets`, `rows[0].note`) where the payload carries wallet data; at most `limit`. */
export function findWalletData(payload: unknown, basePath = '', limit = 100): FieldError[] {
  const found: FieldError[] = [];
  const visit = (value: unknown, path: string, depth: number) => {
    if (found.length >= limit || depth > 8) return;
    if (typeof value === 'string') {
      if (looksLikeWalletAddress(value))
        found.push({ path: path || '(body)', message: 'looks like a wallet address: send aggregates per region only' });
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => visit(item, `${path}[${i}]`, depth + 1));
      return;
    }
    if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const childPath = path ? `${path}.${key}` : key;
        if (WALLET_KEY.test(key))
          found.push({
            path: childPath,
            message: 'wallet data is not accepted: send holder and token counts per region only',
          });
        else visit(child, childPath, depth + 1);
        if (found.length >= limit) return;
      }
    }
  };
  visit(payload, basePath, 0);
  return found;
}
