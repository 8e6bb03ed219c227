/**
 * Streaming parsers for bulk imports: bytes in, records out, never the whole body in memory.
 * Pure (any async iterable of chunks: an HTTP request, a file stream, an array in a test).
 * They yield records in batches (one batch per input chunk), so a million rows cost a few
 * thousand generator steps, not a million.
 *
 * A record is `{ index, value }` where index counts data rows from 0 (blank lines and the CSV
 * header do not count), so a problem can name `rows[17].quantity`. A row that cannot be parsed
 * at all becomes `{ index, error }` and parsing goes on with the next row.
 */
export type ParsedRecord =
  | { index: number; value: Record<string, unknown>; error?: undefined }
  | { index: number; value?: undefined; error: string };

export type RecordFormat = 'ndjson' | 'csv';

export type ChunkSource = AsyncIterable<Buffer | string> | Iterable<Buffer | string>;

/** The default longest line (and longest CSV record) an import accepts. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export interface LineOptions {
  /** Longest line in bytes (CRLF excluded); past it, `LineTooLongError`. Default 64 KiB. */
  maxLineBytes?: number;
}

/** A line (1-based, as an editor counts them) longer than the import accepts. */
export class LineTooLongError extends Error {
  constructor(
    readonly line: number,
    readonly limitBytes: number,
  ) {
    super(`line ${line} is longer than ${limitBytes} bytes`);
    this.name = 'LineTooLongError';
  }
}

/**
 * Lines of a byte stream (LF or CRLF), a batch per chunk. Linear: each chunk is decoded once, from
 * its first to its last newline, and split there; the unfinished line is kept as a list of pieces
 * (never re-joined or re-scanned as more arrives), so one huge line costs its length, not its
 * length squared; and it is refused as soon as it passes `maxLineBytes`, without waiting for its
 * end. Bytes are split before decoding (LF never occurs inside a UTF-8 multi-byte character).
 */
export async function* splitLines(source: ChunkSource, options: LineOptions = {}): AsyncGenerator<string[]> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  // A UTF-16 unit is at most 3 UTF-8 bytes: a line this short needs no byte count.
  const surelyShort = Math.floor(maxLineBytes / 3);
  let pieces: Buffer[] = [];
  let pieceBytes = 0;
  let linesDone = 0;
  const checked = (line: string): string => {
    linesDone += 1;
    const text = line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
    if (text.length > surelyShort && Buffer.byteLength(text, 'utf8') > maxLineBytes)
      throw new LineTooLongError(linesDone, maxLineBytes);
    return text;
  };
  const finishPieces = (tail: Buffer): string => {
    const bytes = Buffer.concat([...pieces, tail], pieceBytes + tail.length);
    pieces = [];
    pieceBytes = 0;
    return checked(bytes.toString('utf8'));
  };
  for await (const raw of source) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    const lines: string[] = [];
    const last = chunk.lastIndexOf(10);
    let start = 0;
    if (last !== -1) {
      if (pieceBytes > 0) {
        const first = chunk.indexOf(10);
        lines.push(finishPieces(chunk.subarray(0, first)));
        start = first + 1;
      }
      if (start <= last) {
        const text = chunk.toString('utf8', start, last);
        for (let from = 0; ;) {
          const newline = text.indexOf('\n', from);
          lines.push(checked(newline === -1 ? text.slice(from) : text.slice(from, newline)));
          if (newline === -1) break;
          from = newline + 1;
        }
      }
      start = last + 1;
    }
    if (start < chunk.length) {
      pieces.push(chunk.subarray(start));
      pieceBytes += chunk.length - start;
      // +1: a CR that ends the line is not counted against the limit.
      if (pieceBytes > maxLineBytes + 1) throw new LineTooLongError(linesDone + 1, maxLineBytes);
    }
    if (lines.length > 0) yield lines;
  }
  if (pieceBytes > 0) yield [finishPieces(Buffer.alloc(0))];
}

export async function* parseNdjson(source: ChunkSource, options: LineOptions = {}): AsyncGenerator<ParsedRecord[]> {
  let index = 0;
  for await (const lines of splitLines(source, options)) {
    const records: ParsedRecord[] = [];
    for (const line of lines) {
      // Blank lines are skipped (the common line, an object, is told apart by its first character).
      if (line.charCodeAt(0) !== 123 && line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        records.push({ index: index++, error: 'is not valid JSON' });
        continue;
      }
      if (value && typeof value === 'object' && !Array.isArray(value))
        records.push({ index: index++, value: value as Record<string, unknown> });
      else records.push({ index: index++, error: 'must be a JSON object' });
    }
    if (records.length > 0) yield records;
  }
}

const NUMBER_CELL = /^-?\d+(\.\d+)?$/;

/**
 * RFC 4180 CSV: the first row names the columns; fields may be quoted ("a ""b"", c") and quoted
 * fields may span lines. Empty cells are absent fields. Cells stay text, except in
 * `numericColumns` where a decimal number becomes a number, so one row validator serves JSON,
 * NDJSON and CSV (and an id column of digits stays an id).
 */
export async function* parseCsv(
  source: ChunkSource,
  numericColumns: ReadonlySet<string> = new Set(),
  options: LineOptions = {},
): AsyncGenerator<ParsedRecord[]> {
  const maxRecordBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let lineNumber = 0;
  let header: string[] | undefined;
  let index = 0;
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;

  const finishRow = (): ParsedRecord | undefined => {
    fields.push(field);
    field = '';
    const row = fields;
    fields = [];
    if (!header) {
      header = row.map((name) => name.trim().replace(/^\uFEFF/, ''));
      return undefined;
    }
    if (row.length !== header.length)
      return { index: index++, error: `has ${row.length} cells; the header has ${header.length}` };
    const value: Record<string, unknown> = {};
    for (let i = 0; i < header.length; i++) {
      const cell = row[i]!;
      const name = header[i]!;
      if (cell !== '') value[name] = numericColumns.has(name) && NUMBER_CELL.test(cell) ? Number(cell) : cell;
    }
    return { index: index++, value };
  };

  for await (const lines of splitLines(source, options)) {
    const records: ParsedRecord[] = [];
    for (const line of lines) {
      lineNumber += 1;
      if (!inQuotes && line.length === 0 && fields.length === 0) continue;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i]!;
        if (inQuotes) {
          if (ch === '"') {
            if (line[i + 1] === '"') {
              field += '"';
              i++;
            } else inQuotes = false;
          } else field += ch;
        } else if (ch === '"' && field === '') inQuotes = true;
        else if (ch === ',') {
          fields.push(field);
          field = '';
        } else field += ch;
      }
      if (inQuotes) {
        field += '\n';
        // A quoted field spanning lines is bounded like a line (characters, a close bound on bytes).
        if (field.length > maxRecordBytes) throw new LineTooLongError(lineNumber, maxRecordBytes);
        continue;
      }
      const record = finishRow();
      if (record) records.push(record);
    }
    if (records.length > 0) yield records;
  }
  if (inQuotes) yield [{ index: index++, error: 'has an unterminated quoted field' }];
}

export function parseRecords(
  source: ChunkSource,
  format: RecordFormat,
  numericColumns?: ReadonlySet<string>,
  options: LineOptions = {},
): AsyncGenerator<ParsedRecord[]> {
  return format === 'csv' ? parseCsv(source, numericColumns, options) : parseNdjson(source, options);
}

/** Records of an in-memory JSON array (the bulk JSON body), in the same shape as the streams. */
export function recordsOfArray(rows: readonly unknown[]): ParsedRecord[] {
  return rows.map((value, index) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? { index, value: value as Record<string, unknown> }
      : { index, error: 'must be a JSON object' },
  );
}
