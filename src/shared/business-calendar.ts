/**
 * Business days on day numbers (see zoned-time.ts). A calendar is zone-free: it says which local
 * dates are business days; the zone decides which local date an instant falls on.
 *
 * Default: Monday–Friday, no holidays. A region or source may declare other weekend days (e.g.
 * Friday–Saturday) and holiday dates.
 */
import { dayNumberFromIsoDate, isoDateFromDayNumber, isoWeekday } from './zoned-time';

/** 1 = Monday … 7 = Sunday (ISO 8601). */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface BusinessCalendarSpec {
  /** Non-working weekdays; default [6, 7] (Saturday, Sunday). An empty list means seven working days. */
  weekend_days?: readonly IsoWeekday[];
  /** Non-working dates, `YYYY-MM-DD` local to whoever owns the calendar. */
  holidays?: readonly string[];
}

export interface BusinessCalendar {
  /** bit (weekday - 1) set = that ISO weekday is a weekend day */
  readonly weekendMask: number;
  /** business days in any 7 consecutive days, ignoring holidays (1..7) */
  readonly businessDaysPerWeek: number;
  readonly holidays: ReadonlySet<number> | null;
}

export const DEFAULT_WEEKEND_MASK = (1 << 5) | (1 << 6);

export const DEFAULT_BUSINESS_CALENDAR: BusinessCalendar = Object.freeze({
  weekendMask: DEFAULT_WEEKEND_MASK,
  businessDaysPerWeek: 5,
  holidays: null,
});

/** Validates a spec and compiles it; throws RangeError for bad weekdays, bad dates or an all-weekend week. */
export function createBusinessCalendar(spec: BusinessCalendarSpec = {}): BusinessCalendar {
  let mask = DEFAULT_WEEKEND_MASK;
  if (spec.weekend_days !== undefined) {
    mask = 0;
    for (const d of spec.weekend_days) {
      if (!Number.isInteger(d) || d < 1 || d > 7)
        throw new RangeError(`weekend day must be an ISO weekday 1..7, got ${String(d)}`);
      mask |= 1 << (d - 1);
    }
  }
  if (mask === 0x7f) throw new RangeError('a calendar needs at least one business day per week');
  let bits = 0;
  for (let m = mask; m !== 0; m &= m - 1) bits++;
  let holidays: Set<number> | null = null;
  if (spec.holidays !== undefined && spec.holidays.length > 0) {
    holidays = new Set();
    for (const h of spec.holidays) holidays.add(dayNumberFromIsoDate(h));
  }
  if (mask === DEFAULT_WEEKEND_MASK && holidays === null) return DEFAULT_BUSINESS_CALENDAR;
  return Object.freeze({ weekendMask: mask, businessDaysPerWeek: 7 - bits, holidays });
}

const compiled = new WeakMap<object, BusinessCalendar>();

/**
 * The calendar of an object carrying a spec (a region, a hub), compiled once per object identity.
 * Callers that keep their region and hub objects between requests pay compilation once. Treat
 * the spec as immutable once used: a later edit of the same object is not seen.
 */
export function calendarOf(owner: BusinessCalendarSpec): BusinessCalendar {
  if (owner.weekend_days === undefined && (owner.holidays === undefined || owner.holidays.length === 0)) {
    return DEFAULT_BUSINESS_CALENDAR;
  }
  let cal = compiled.get(owner);
  if (cal === undefined) {
    cal = createBusinessCalendar(owner);
    compiled.set(owner, cal);
  }
  return cal;
}

export function isBusinessDay(day: number, cal: BusinessCalendar = DEFAULT_BUSINESS_CALENDAR): boolean {
  if ((cal.weekendMask & (1 << (isoWeekday(day) - 1))) !== 0) return false;
  return cal.holidays === null || !cal.holidays.has(day);
}

/** The first business day strictly after `day`. */
export function nextBusinessDay(day: number, cal: BusinessCalendar = DEFAULT_BUSINESS_CALENDAR): number {
  let d = day + 1;
  while (!isBusinessDay(d, cal)) d++;
  return d;
}

/** `day` itself when it is a business day, else the next business day. */
export function businessDayOnOrAfter(day: number, cal: BusinessCalendar = DEFAULT_BUSINESS_CALENDAR): number {
  let d = day;
  while (!isBusinessDay(d, cal)) d++;
  return d;
}

/**
 * The n-th business day strictly after `day` (n ≥ 0; n = 0 returns `day` unchanged, business day or
 * not). Friday + 1 = Monday; Saturday + 1 = Monday; Friday + 0 = Friday.
 */
export function addBusinessDays(day: number, n: number, cal: BusinessCalendar = DEFAULT_BUSINESS_CALENDAR): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`business days must be a non-negative integer, got ${n}`);
  let d = day;
  let left = n;
  if (cal.holidays === null && left > cal.businessDaysPerWeek) {
    // Any 7 consecutive days hold exactly businessDaysPerWeek business days: skip whole weeks,
    // keeping at least one business day for the loop so it lands on a business day.
    const weeks = Math.floor((left - 1) / cal.businessDaysPerWeek);
    d += weeks * 7;
    left -= weeks * cal.businessDaysPerWeek;
  }
  while (left > 0) {
    d++;
    if (isBusinessDay(d, cal)) left--;
  }
  return d;
}

/**
 * Business days in the half-open range (from, to]: how many business days after `from` the date
 * `to` is, counting `to` when it is a business day. Negative when `to` is before `from`
 * (−count of (to, from]). businessDaysBetween(d, addBusinessDays(d, n)) === n.
 */
export function businessDaysBetween(
  from: number,
  to: number,
  cal: BusinessCalendar = DEFAULT_BUSINESS_CALENDAR,
): number {
  if (to < from) return -businessDaysBetween(to, from, cal);
  let count = 0;
  let d = from;
  if (cal.holidays === null) {
    const weeks = Math.floor((to - from) / 7);
    count = weeks * cal.businessDaysPerWeek;
    d += weeks * 7;
  }
  while (d < to) {
    d++;
    if (isBusinessDay(d, cal)) count++;
  }
  return count;
}

// String-level conveniences for edges and tests.

export function addBusinessDaysToDate(isoDate: string, n: number, spec: BusinessCalendarSpec = {}): string {
  return isoDateFromDayNumber(addBusinessDays(dayNumberFromIsoDate(isoDate), n, createBusinessCalendar(spec)));
}

export function isBusinessDate(isoDate: string, spec: BusinessCalendarSpec = {}): boolean {
  return isBusinessDay(dayNumberFromIsoDate(isoDate), createBusinessCalendar(spec));
}
