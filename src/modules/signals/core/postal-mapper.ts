import { normalisePostalCode } from '../../../shared/postal-code';

export interface PostalPrefix {
  prefix: string;
  region_id: string;
}

/**
 * Maps a postal code to a region by its longest matching prefix (prefixes are stored normalised:
 * upper case, no spaces or dashes). Returns undefined when no prefix matches. Pure: the prefix
 * table is loaded once per batch and probed in memory, at most one map lookup per prefix length.
 */
export function createPostalMapper(prefixes: readonly PostalPrefix[]): (postalCode: string) => string | undefined {
  const byPrefix = new Map<string, string>();
  let longest = 0;
  for (const { prefix, region_id } of prefixes) {
    const key = normalisePostalCode(prefix);
    if (!key) continue;
    byPrefix.set(key, region_id);
    longest = Math.max(longest, key.length);
  }
  return (postalCode) => {
    const code = normalisePostalCode(postalCode);
    for (let length = Math.min(longest, code.length); length > 0; length--) {
      const region = byPrefix.get(code.slice(0, length));
      if (region !== undefined) return region;
    }
    return undefined;
  };
}
