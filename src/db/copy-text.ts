/**
 * Values written as PostgreSQL text: array literals and COPY's text format. Bulk writes build
 * their input here rather than through the driver's parameters (a 50,000-row plan or a 10,000-row
 * import chunk is one string join, then one COPY or one statement).
 */

/**
 * A PostgreSQL array literal. Every element is quoted (so "NULL" stays text); `"` and `\\` are
 * escaped.
 */
export function arrayLiteral(values: readonly (string | number)[]): string {
  if (values.length === 0) return '{}';
  if (typeof values[0] === 'number') return `{${values.join(',')}}`;
  const needsEscape = values.some((v) => typeof v === 'string' && (v.includes('"') || v.includes('\\')));
  const safe = needsEscape ? values.map((v) => String(v).replace(/(["\\])/g, '\\$1')) : values;
  return `{"${safe.join('","')}"}`;
}

/** A value for COPY's text format: backslash, tab, newline and carriage return escaped. */
export function copyText(value: string): string {
  return COPY_SPECIAL.test(value) ? value.replace(COPY_ESCAPES, (c) => COPY_ESCAPE_OF[c]!) : value;
}
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_ESCAPES = /[\\\t\n\r]/g;
const COPY_ESCAPE_OF: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const COPY_UNESCAPES = /\\(.)/g;
const COPY_UNESCAPE_OF: Record<string, string> = { '\\': '\\', t: '\t', n: '\n', r: '\r' };

/** A value of COPY text back (the inverse of copyText). */
export function fromCopyText(value: string): string {
  return value.includes('\\') ? value.replace(COPY_UNESCAPES, (_, c: string) => COPY_UNESCAPE_OF[c] ?? c) : value;
}

/** COPY's NULL in text format. */
export const COPY_NULL = '\\N';

/** A nullable text value for COPY. */
export const copyTextOrNull = (value: string | null): string => (value === null ? COPY_NULL : copyText(value));

/**
 * A float8 for COPY: null and non-finite values as NULL (what the JSON path stores for them, as
 * JSON has no NaN or Infinity); finite values in JavaScript's shortest round-trip form.
 */
export const copyFloat = (value: number | null): string =>
  value === null || !Number.isFinite(value) ? COPY_NULL : String(value);
