import { StringDecoder } from 'node:string_decoder';

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

/** Lines of a byte stream (LF or CRLF), decoded as UTF-8 across chunk boundaries, a batch per chunk. */
export async function* splitLines(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of source) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    const lines: string[] = [];
    let start = 0;
    let newline = text.indexOf('\n', start);
    while (newline !== -1) {
      lines.push(text.charCodeAt(newline - 1) === 13 ? text.slice(start, newline - 1) : text.slice(start, newline));
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    rest = text.slice(start);
    if (lines.length > 0) yield lines;
  }
  rest += decoder.end();
  if (rest.length > 0) yield [rest.endsWith('\r') ? rest.slice(0, -1) : rest];
}

export async function* parseNdjson(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<ParsedRecord[]> {
  let index = 0;
  for await (const lines of splitLines(source)) {
    const records: ParsedRecord[] = [];
    for (const line of lines) {
      if (line.trim() === '') continue;
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
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  numericColumns: ReadonlySet<string> = new Set(),
): AsyncGenerator<ParsedRecord[]> {
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

  for await (const lines of splitLines(source)) {
    const records: ParsedRecord[] = [];
    for (const line of lines) {
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
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  format: RecordFormat,
  numericColumns?: ReadonlySet<string>,
): AsyncGenerator<ParsedRecord[]> {
  return format === 'csv' ? parseCsv(source, numericColumns) : parseNdjson(source);
}

/** Records of an in-memory JSON array (the bulk JSON body), in the same shape as the streams. */
export function recordsOfArray(rows: readonly unknown[]): ParsedRecord[] {
  return rows.map((value, index) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? { index, value: value as Record<string, unknown> }
      : { index, error: 'must be a JSON object' },
  );
}
