import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineTooLongError, parseNdjson, splitLines } from '../../../src/shared/record-stream';

async function collect(source: AsyncGenerator<string[]>): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of source) out.push(...batch);
  return out;
}

/** Cuts `text` into chunks at the given offsets (as a network would). */
function chunked(text: string, cuts: number[]): Buffer[] {
  const bytes = Buffer.from(text);
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const cut of [...at, bytes.length]) {
    pieces.push(bytes.subarray(start, cut));
    start = cut;
  }
  return pieces;
}

describe('splitLines', () => {
  it('gives the same lines however the bytes are cut (LF, CRLF, multi-byte characters)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: 'grapheme', maxLength: 20 }).filter((s) => !/[\r\n]/.test(s)),
          { maxLength: 20 },
        ),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (lines, crlf, cuts) => {
          const text = lines.map((l) => `${l}${crlf ? '\r\n' : '\n'}`).join('');
          expect(await collect(splitLines(chunked(text, cuts)))).toEqual(lines);
        },
      ),
    );
  });

  it('refuses a line past the limit as soon as it passes it, naming the line (1-based)', async () => {
    let pulled = 0;
    async function* endless() {
      yield Buffer.from('{"a":1}\n{"b":2}\n');
      for (;;) {
        pulled += 1;
        yield Buffer.alloc(16 * 1024, 'x');
      }
    }
    const error = await collect(splitLines(endless(), { maxLineBytes: 64 * 1024 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LineTooLongError);
    expect(error).toMatchObject({ line: 3, limitBytes: 64 * 1024 });
    expect(pulled).toBeLessThanOrEqual(5);
  });

  it('splits one long line in time linear in its length (a 30 MB line in chunks of 64 KiB)', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const chunks = Array.from({ length: 480 }, () => chunk);
    const lines = await collect(splitLines([...chunks, Buffer.from('\n')], { maxLineBytes: 64 * 1024 * 1024 }));
    // Re-scanning the growing line at every chunk (the old splitter) would not finish within the
    // test's timeout; one pass over each chunk takes a fraction of a second.
    expect(lines[0]).toHaveLength(480 * 64 * 1024);
  });

  it('names the long line of an NDJSON stream after good ones', async () => {
    const text = '{"a":1}\n\n' + `{"b":"${'y'.repeat(2_000)}"}\n`;
    const error = await collect(
      (async function* () {
        for await (const batch of parseNdjson([text], { maxLineBytes: 1_024 })) yield batch.map(String);
      })(),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ line: 3 });
  });
});
