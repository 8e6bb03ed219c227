import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonDepthGuard } from '../../src/http/body';

/** Nesting depth as JSON.parse sees it. */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (value && typeof value === 'object') return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe('jsonDepthGuard', () => {
  it('agrees with the parsed depth, however the bytes are chunked (brackets inside strings do not count)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 8 }), fc.nat(), (value, max, cut) => {
        const bytes = Buffer.from(JSON.stringify(value));
        const at = bytes.length === 0 ? 0 : cut % bytes.length;
        const guard = jsonDepthGuard(max);
        const ok = guard(bytes.subarray(0, at)) && guard(bytes.subarray(at));
        expect(ok).toBe(depthOf(value) <= max);
      }),
    );
  });

  it('stops at the first byte past the limit of an 18 MB nested body', () => {
    const guard = jsonDepthGuard(64);
    expect(guard(Buffer.alloc(18 * 1024 * 1024, '['))).toBe(false);
    expect(
      jsonDepthGuard(64)(
        Buffer.from('{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}'),
      ),
    ).toBe(true);
  });
});
