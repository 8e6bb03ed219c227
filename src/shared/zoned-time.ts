/**
 * Pure time-zone arithmetic on top of the built-in Intl API (Node 20 has no Temporal).
 *
 * Two representations are used throughout the delivery core:
 * - an instant: epoch milliseconds (UTC), as `Date.parse` returns;
 * - a day number: a calendar date with no zone, counted in days since 1970-01-01
 *   (0 = 1970-01-01, 19_792 = 2024-03-10). Day numbers make "add a day" an integer increment and
 *   never allocate; they become `YYYY-MM-DD` strings only at the edge.
 *
 * Supported range: proleptic Gregorian years 1..9999 (what ISO 8601 dates without an expanded year
 * can spell). Nothing here reads the clock.
 */

export const MS_PER_SECOND = 1_000;
export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
export const MINUTES_PER_DAY = 1_440;

/** How a local wall-clock time that does not exist (DST gap) or exists twice (DST overlap) resolves. */
export type Disambiguation = 'compatible' | 'earlier' | 'later' | 'reject';

export class TimeZoneError extends RangeError {
  readonly code = 'invalid_time_zone';
  constructor(readonly timeZone: string) {
    super(`unknown IANA time zone: ${JSON.stringify(timeZone)}`);
    this.name = 'TimeZoneError';
  }
}

export class NonexistentLocalTimeError extends RangeError {
  readonly code = 'nonexistent_local_time';
  constructor(message: string) {
    super(message);
    this.name = 'NonexistentLocalTimeError';
  }
}

// ---------------------------------------------------------------------------------------------
// Calendar dates ↔ day numbers (Howard Hinnant's civil-from-days algorithms, integer-only)

/** Day number of a proleptic Gregorian date (month 1..12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : '' + n;
}

function pad4(n: number): string {
  return n >= 1000 ? '' + n : n >= 100 ? '0' + n : n >= 10 ? '00' + n : '000' + n;
}

/** `YYYY-MM-DD` of a day number. */
export function isoDateFromDayNumber(dayNumber: number): string {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return pad4(year) + '-' + pad2(month) + '-' + pad2(day);
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number of a strict `YYYY-MM-DD` string; throws RangeError on anything else (2024-02-30 included). */
export function dayNumberFromIsoDate(isoDate: string): number {
  const m = ISO_DATE.exec(isoDate);
  if (m === null) throw new RangeError(`not an ISO 8601 date (YYYY-MM-DD): ${JSON.stringify(isoDate)}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const n = daysFromCivil(year, month, day);
  if (year < 1 || month < 1 || month > 12 || day < 1 || isoDateFromDayNumber(n) !== isoDate) {
    throw new RangeError(`not a calendar date: ${JSON.stringify(isoDate)}`);
  }
  return n;
}

/** ISO weekday of a day number: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

// ---------------------------------------------------------------------------------------------
// Instants and local times

// An instant must carry its offset: without one, Date.parse reads it in the process's own zone,
// which would make estimates depend on where the server runs.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** Epoch ms of an ISO 8601 date-time with an explicit offset (`Z` or `±HH:MM`); throws RangeError otherwise. */
export function parseInstant(iso: string): number {
  const ms = ISO_INSTANT.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new RangeError(`not an ISO 8601 instant with an offset (e.g. 2024-03-08T17:30:00Z): ${JSON.stringify(iso)}`);
  }
  return ms;
}

/** Minutes after local midnight of a strict 24-hour `HH:MM` (00:00..23:59); throws RangeError otherwise. */
export function parseLocalTime(hhmm: string): number {
  // charCode arithmetic: the storefront hot path parses every hub's cutoff on every request.
  if (hhmm.length !== 5 || hhmm.charCodeAt(2) !== 58 /* : */) {
    throw new RangeError(`not a local time HH:MM: ${JSON.stringify(hhmm)}`);
  }
  const h1 = hhmm.charCodeAt(0) - 48;
  const h2 = hhmm.charCodeAt(1) - 48;
  const m1 = hhmm.charCodeAt(3) - 48;
  const m2 = hhmm.charCodeAt(4) - 48;
  if (h1 < 0 || h1 > 2 || h2 < 0 || h2 > 9 || m1 < 0 || m1 > 5 || m2 < 0 || m2 > 9 || h1 * 10 + h2 > 23) {
    throw new RangeError(`not a local time HH:MM: ${JSON.stringify(hhmm)}`);
  }
  return (h1 * 10 + h2) * 60 + m1 * 10 + m2;
}

// ---------------------------------------------------------------------------------------------
// Zones

const MAX_CACHED_OFFSETS = 8_192;

/**
 * One IANA zone: its Intl.DateTimeFormat (built once; construction costs tens of microseconds) and
 * a cache of UTC offsets per UTC hour. An hour is cached only when the offset is the same at its
 * first and last second, i.e. no transition falls inside it (transitions happen on whole seconds
 * and never twice in an hour); hours holding a transition are resolved per instant, uncached.
 */
export class Zone {
  private readonly formatter: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly name: string) {
    try {
      this.formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new TimeZoneError(name);
    }
  }

  /** UTC offset in ms (local = UTC + offset) at an instant. */
  offsetAt(instantMs: number): number {
    const hour = Math.floor(instantMs / MS_PER_HOUR);
    const cached = this.offsets.get(hour);
    if (cached !== undefined) return cached;
    const start = hour * MS_PER_HOUR;
    const first = this.rawOffset(start);
    const last = this.rawOffset(start + MS_PER_HOUR - MS_PER_SECOND);
    if (first !== last) return this.rawOffset(instantMs);
    if (this.offsets.size >= MAX_CACHED_OFFSETS) this.offsets.clear();
    this.offsets.set(hour, first);
    return first;
  }

  /** Day number of the local calendar date at an instant. */
  localDay(instantMs: number): number {
    return Math.floor((instantMs + this.offsetAt(instantMs)) / MS_PER_DAY);
  }

  /**
   * The instant at which local wall-clock `minutes` after midnight of local date `day` occurs.
   * `minutes` may be 0..1440 (1440 = the next midnight).
   *
   * DST (same rules as Temporal and RFC 5545, `compatible` by default):
   * - gap (the time is skipped, e.g. 02:30 on a spring-forward night): `compatible`/`later` give the
   *   instant shifted forward by the gap length (02:30 → 03:30 new time), `earlier` shifted back
   *   (→ 01:30 old time), `reject` throws;
   * - overlap (the time occurs twice, e.g. 01:30 on a fall-back night): `compatible`/`earlier` give
   *   the first occurrence (still summer time), `later` the second, `reject` throws.
   */
  wallTimeToInstant(day: number, minutes: number, disambiguation: Disambiguation = 'compatible'): number {
    const wall = day * MS_PER_DAY + minutes * MS_PER_MINUTE;
    // The offsets a day either side bracket any single transition near `wall` (transitions are
    // months apart and no zone moves by a day).
    const before = this.offsetAt(wall - MS_PER_DAY);
    const after = this.offsetAt(wall + MS_PER_DAY);
    if (before === after) return wall - before;
    const withBefore = wall - before;
    const withAfter = wall - after;
    const beforeValid = this.offsetAt(withBefore) === before;
    const afterValid = this.offsetAt(withAfter) === after;
    if (beforeValid && afterValid) {
      // Overlap: both readings exist.
      if (disambiguation === 'reject') throw new NonexistentLocalTimeError(`ambiguous local time in ${this.name}`);
      const earlier = Math.min(withBefore, withAfter);
      const later = Math.max(withBefore, withAfter);
      return disambiguation === 'later' ? later : earlier;
    }
    if (beforeValid) return withBefore;
    if (afterValid) return withAfter;
    // Gap: neither reading exists. Using the pre-transition offset lands after the transition,
    // shifted forward by the gap length.
    if (disambiguation === 'reject') throw new NonexistentLocalTimeError(`nonexistent local time in ${this.name}`);
    return disambiguation === 'earlier' ? Math.min(withBefore, withAfter) : Math.max(withBefore, withAfter);
  }

  private rawOffset(instantMs: number): number {
    // The formatter resolves whole seconds; compare against the instant truncated the same way.
    const t = Math.floor(instantMs / MS_PER_SECOND) * MS_PER_SECOND;
    const parts = this.formatter.formatToParts(t);
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      switch (p.type) {
        case 'year':
          year = Number(p.value);
          break;
        case 'month':
          month = Number(p.value);
          break;
        case 'day':
          day = Number(p.value);
          break;
        case 'hour':
          hour = Number(p.value);
          break;
        case 'minute':
          minute = Number(p.value);
          break;
        case 'second':
          second = Number(p.value);
          break;
        default:
          break;
      }
    }
    const local =
      daysFromCivil(year, month, day) * MS_PER_DAY +
      hour * MS_PER_HOUR +
      minute * MS_PER_MINUTE +
      second * MS_PER_SECOND;
    return local - t;
  }
}

const zones = new Map<string, Zone>();

/** The cached Zone for an IANA name; throws TimeZoneError for an unknown zone. */
export function getZone(name: string): Zone {
  let zone = zones.get(name);
  if (zone === undefined) {
    zone = new Zone(name);
    zones.set(name, zone);
  }
  return zone;
}

// ---------------------------------------------------------------------------------------------
// String-level conveniences (edges and tests)

/** Local `YYYY-MM-DD` of an ISO instant (or epoch ms) in an IANA zone. */
export function localDate(instant: string | number, timeZone: string): string {
  const ms = typeof instant === 'number' ? instant : parseInstant(instant);
  return isoDateFromDayNumber(getZone(timeZone).localDay(ms));
}

/**
 * The ISO instant (UTC, `...Z`) of local date `YYYY-MM-DD` at local time `HH:MM` in an IANA zone;
 * see Zone.wallTimeToInstant for how DST gaps and overlaps resolve.
 */
export function localDateTimeToInstant(
  isoDate: string,
  hhmm: string,
  timeZone: string,
  disambiguation: Disambiguation = 'compatible',
): string {
  const ms = getZone(timeZone).wallTimeToInstant(dayNumberFromIsoDate(isoDate), parseLocalTime(hhmm), disambiguation);
  return new Date(ms).toISOString();
}
