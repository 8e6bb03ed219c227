import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  addBusinessDaysToDate,
  businessDaysBetween,
  createBusinessCalendar,
  isBusinessDate,
  isBusinessDay,
} from '../../src/shared/business-calendar';
import type { BusinessCalendar } from '../../src/shared/business-calendar';
import { dayNumberFromIsoDate } from '../../src/shared/zoned-time';

describe('business days, Monday to Friday by default', () => {
  it('adds business days over weekends', () => {
    expect(addBusinessDaysToDate('2024-03-08', 1)).toBe('2024-03-11'); // Fri + 1 = Mon
    expect(addBusinessDaysToDate('2024-03-09', 1)).toBe('2024-03-11'); // Sat + 1 = Mon
    expect(addBusinessDaysToDate('2024-03-10', 1)).toBe('2024-03-11'); // Sun + 1 = Mon
    expect(addBusinessDaysToDate('2024-03-11', 5)).toBe('2024-03-18'); // Mon + 5 = Mon
    expect(addBusinessDaysToDate('2024-03-06', 10)).toBe('2024-03-20'); // Wed + 10 = Wed
    expect(addBusinessDaysToDate('2024-12-31', 2)).toBe('2025-01-02'); // over the year end
  });

  it('treats + 0 as the same date, business day or not', () => {
    expect(addBusinessDaysToDate('2024-03-08', 0)).toBe('2024-03-08');
    expect(addBusinessDaysToDate('2024-03-09', 0)).toBe('2024-03-09');
  });

  it('rejects a negative or fractional count', () => {
    expect(() => addBusinessDaysToDate('2024-03-08', -1)).toThrow(RangeError);
    expect(() => addBusinessDaysToDate('2024-03-08', 1.5)).toThrow(RangeError);
  });
});

describe('regional calendars', () => {
  it('honours a Friday–Saturday weekend', () => {
    const gulf = { weekend_days: [5, 6] as const };
    expect(isBusinessDate('2024-03-08', gulf)).toBe(false); // Friday
    expect(isBusinessDate('2024-03-10', gulf)).toBe(true); // Sunday
    expect(addBusinessDaysToDate('2024-03-07', 1, gulf)).toBe('2024-03-10'); // Thu + 1 = Sun
  });

  it('honours a Sunday-only weekend', () => {
    const sundayOnly = { weekend_days: [7] as const };
    expect(addBusinessDaysToDate('2024-03-08', 1, sundayOnly)).toBe('2024-03-09'); // Fri + 1 = Sat
    expect(addBusinessDaysToDate('2024-03-09', 1, sundayOnly)).toBe('2024-03-11'); // Sat + 1 = Mon
  });

  it('skips holidays', () => {
    const uk = { holidays: ['2024-12-25', '2024-12-26'] };
    expect(addBusinessDaysToDate('2024-12-24', 1, uk)).toBe('2024-12-27');
    expect(addBusinessDaysToDate('2024-12-24', 2, uk)).toBe('2024-12-30');
    expect(isBusinessDate('2024-12-25', uk)).toBe(false);
  });

  it('rejects calendars with no business day or bad entries', () => {
    expect(() => createBusinessCalendar({ weekend_days: [1, 2, 3, 4, 5, 6, 7] })).toThrow(RangeError);
    expect(() => createBusinessCalendar({ weekend_days: [0 as 1] })).toThrow(RangeError);
    expect(() => createBusinessCalendar({ holidays: ['2024-02-30'] })).toThrow(RangeError);
  });
});

function naiveAdd(day: number, n: number, cal: BusinessCalendar): number {
  let d = day;
  for (let left = n; left > 0;) {
    d++;
    if (isBusinessDay(d, cal)) left--;
  }
  return d;
}

describe('fast paths agree with day-by-day counting', () => {
  const calendars: BusinessCalendar[] = [
    createBusinessCalendar(),
    createBusinessCalendar({ weekend_days: [5, 6] }),
    createBusinessCalendar({ weekend_days: [7] }),
    createBusinessCalendar({ weekend_days: [] }),
    createBusinessCalendar({ weekend_days: [1, 2, 3, 4, 5, 6] }),
    createBusinessCalendar({ holidays: ['2024-03-12', '2024-03-25'] }),
  ];
  const start = dayNumberFromIsoDate('2024-03-01');

  it('addBusinessDays matches stepping one day at a time, and businessDaysBetween inverts it', () => {
    for (const cal of calendars) {
      for (let day = start; day < start + 14; day++) {
        for (let n = 0; n <= 40; n++) {
          const end = addBusinessDays(day, n, cal);
          expect(end).toBe(naiveAdd(day, n, cal));
          expect(businessDaysBetween(day, end, cal)).toBe(n);
          expect(businessDaysBetween(end, day, cal)).toBe(0 - n);
        }
      }
    }
  });

  it('businessDaysBetween counts (from, to] day by day', () => {
    for (const cal of calendars) {
      for (let span = 0; span < 60; span++) {
        let count = 0;
        for (let d = start + 1; d <= start + span; d++) if (isBusinessDay(d, cal)) count++;
        expect(businessDaysBetween(start, start + span, cal)).toBe(count);
      }
    }
  });
});
