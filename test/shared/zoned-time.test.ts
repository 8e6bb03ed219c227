import { describe, expect, it } from 'vitest';
import {
  MS_PER_HOUR,
  MS_PER_MINUTE,
  NonexistentLocalTimeError,
  TimeZoneError,
  dayNumberFromIsoDate,
  getZone,
  isoDateFromDayNumber,
  isoWeekday,
  localDate,
  localDateTimeToInstant,
  parseInstant,
  parseLocalTime,
} from '../../src/shared/zoned-time';

describe('day numbers', () => {
  it('maps known dates to days since 1970-01-01 and back', () => {
    expect(dayNumberFromIsoDate('1970-01-01')).toBe(0);
    expect(dayNumberFromIsoDate('2024-03-10')).toBe(19_792);
    expect(dayNumberFromIsoDate('1969-12-31')).toBe(-1);
    for (const d of ['2000-02-29', '2024-12-31', '2100-03-01', '0001-01-01', '9999-12-31']) {
      expect(isoDateFromDayNumber(dayNumberFromIsoDate(d))).toBe(d);
    }
  });

  it('round-trips every day for 400 years (one Gregorian cycle)', () => {
    const start = dayNumberFromIsoDate('1900-01-01');
    const wrong: number[] = [];
    for (let n = start; n < start + 146_097; n++) {
      if (dayNumberFromIsoDate(isoDateFromDayNumber(n)) !== n) wrong.push(n);
    }
    expect(wrong).toEqual([]);
  });

  it('rejects strings that are not calendar dates', () => {
    for (const bad of ['2023-02-29', '2024-13-01', '2024-3-1', '2024-03-01T00:00Z', '', '2024-04-31']) {
      expect(() => dayNumberFromIsoDate(bad)).toThrow(RangeError);
    }
  });

  it('knows the ISO weekday (1 = Monday, 7 = Sunday)', () => {
    expect(isoWeekday(0)).toBe(4); // 1970-01-01, a Thursday
    expect(isoWeekday(dayNumberFromIsoDate('2024-03-08'))).toBe(5);
    expect(isoWeekday(dayNumberFromIsoDate('2024-03-10'))).toBe(7);
    expect(isoWeekday(dayNumberFromIsoDate('2024-03-11'))).toBe(1);
    expect(isoWeekday(dayNumberFromIsoDate('1969-12-29'))).toBe(1);
  });
});

describe('parsing', () => {
  it('accepts instants only with an explicit offset, so the server zone never leaks in', () => {
    expect(parseInstant('2024-03-08T17:30:00Z')).toBe(Date.UTC(2024, 2, 8, 17, 30));
    expect(parseInstant('2024-03-08T23:00:00+05:30')).toBe(Date.UTC(2024, 2, 8, 17, 30));
    expect(parseInstant('2024-03-08T17:30:00.250Z')).toBe(Date.UTC(2024, 2, 8, 17, 30, 0, 250));
    expect(() => parseInstant('2024-03-08T17:30:00')).toThrow(RangeError);
    expect(() => parseInstant('2024-03-08')).toThrow(RangeError);
    expect(() => parseInstant('yesterday')).toThrow(RangeError);
  });

  it('parses a 24-hour HH:MM cutoff and rejects anything else', () => {
    expect(parseLocalTime('00:00')).toBe(0);
    expect(parseLocalTime('14:00')).toBe(840);
    expect(parseLocalTime('23:59')).toBe(1439);
    for (const bad of ['24:00', '7:00', '14:60', '1400', '14:0a', ' 14:00', '']) {
      expect(() => parseLocalTime(bad)).toThrow(RangeError);
    }
  });
});

describe('local date of an instant', () => {
  it('gives each zone its own date for one instant', () => {
    const t = '2024-03-08T20:00:00Z';
    expect(localDate(t, 'America/Los_Angeles')).toBe('2024-03-08'); // 12:00 PST
    expect(localDate(t, 'Europe/London')).toBe('2024-03-08'); // 20:00 GMT
    expect(localDate(t, 'Asia/Tokyo')).toBe('2024-03-09'); // 05:00 JST
    expect(localDate(t, 'Australia/Sydney')).toBe('2024-03-09'); // 07:00 AEDT
    expect(localDate(t, 'Asia/Kolkata')).toBe('2024-03-09'); // 01:30 IST
    expect(localDate(t, 'Pacific/Honolulu')).toBe('2024-03-08'); // 10:00 HST
    expect(localDate(t, 'Pacific/Kiritimati')).toBe('2024-03-09'); // 10:00 +14
  });

  it('switches date exactly at local midnight in a half-hour zone', () => {
    expect(localDate('2024-03-08T18:29:59.999Z', 'Asia/Kolkata')).toBe('2024-03-08');
    expect(localDate('2024-03-08T18:30:00Z', 'Asia/Kolkata')).toBe('2024-03-09');
  });

  it('tracks the offset change at a DST transition to the second', () => {
    const la = getZone('America/Los_Angeles');
    const t = Date.UTC(2024, 2, 10, 10); // 2024-03-10 02:00 PST → 03:00 PDT
    expect(la.offsetAt(t - 1000)).toBe(-8 * MS_PER_HOUR);
    expect(la.offsetAt(t)).toBe(-7 * MS_PER_HOUR);
    // twice, so the second answer comes from the per-hour cache
    expect(la.offsetAt(t - 1000)).toBe(-8 * MS_PER_HOUR);
    expect(la.offsetAt(t + 1000)).toBe(-7 * MS_PER_HOUR);
  });

  it('throws a TimeZoneError for an unknown zone', () => {
    expect(() => localDate('2024-03-08T20:00:00Z', 'Mars/Olympus_Mons')).toThrow(TimeZoneError);
  });
});

describe('local wall-clock time to instant', () => {
  it('converts ordinary times in zones with and without DST', () => {
    expect(localDateTimeToInstant('2024-01-15', '14:00', 'America/Los_Angeles')).toBe('2024-01-15T22:00:00.000Z');
    expect(localDateTimeToInstant('2024-07-01', '14:00', 'America/Los_Angeles')).toBe('2024-07-01T21:00:00.000Z');
    expect(localDateTimeToInstant('2024-03-10', '02:30', 'Asia/Tokyo')).toBe('2024-03-09T17:30:00.000Z');
    expect(localDateTimeToInstant('2024-03-10', '14:00', 'Asia/Kolkata')).toBe('2024-03-10T08:30:00.000Z');
    expect(localDateTimeToInstant('2024-07-01', '09:00', 'Australia/Sydney')).toBe('2024-06-30T23:00:00.000Z');
    expect(localDateTimeToInstant('2024-01-15', '09:00', 'Australia/Sydney')).toBe('2024-01-14T22:00:00.000Z');
  });

  it('moves a time in a spring-forward gap forward by the gap (compatible), or back (earlier)', () => {
    // Los Angeles 2024-03-10: 02:00 PST jumps to 03:00 PDT; 02:30 does not exist
    expect(localDateTimeToInstant('2024-03-10', '02:30', 'America/Los_Angeles')).toBe('2024-03-10T10:30:00.000Z'); // 03:30 PDT
    expect(localDateTimeToInstant('2024-03-10', '02:30', 'America/Los_Angeles', 'earlier')).toBe(
      '2024-03-10T09:30:00.000Z',
    ); // 01:30 PST
    // London 2024-03-31: 01:00 GMT jumps to 02:00 BST
    expect(localDateTimeToInstant('2024-03-31', '01:30', 'Europe/London')).toBe('2024-03-31T01:30:00.000Z'); // 02:30 BST
    // Sydney 2024-10-06: 02:00 AEST jumps to 03:00 AEDT
    expect(localDateTimeToInstant('2024-10-06', '02:30', 'Australia/Sydney')).toBe('2024-10-05T16:30:00.000Z'); // 03:30 AEDT
    expect(() => localDateTimeToInstant('2024-10-06', '02:30', 'Australia/Sydney', 'reject')).toThrow(
      NonexistentLocalTimeError,
    );
  });

  it('takes the first occurrence of a time in a fall-back overlap (compatible), the second with later', () => {
    // Los Angeles 2024-11-03: 02:00 PDT falls back to 01:00 PST; 01:30 happens twice
    expect(localDateTimeToInstant('2024-11-03', '01:30', 'America/Los_Angeles')).toBe('2024-11-03T08:30:00.000Z');
    expect(localDateTimeToInstant('2024-11-03', '01:30', 'America/Los_Angeles', 'later')).toBe(
      '2024-11-03T09:30:00.000Z',
    );
    // London 2024-10-27: 02:00 BST falls back to 01:00 GMT
    expect(localDateTimeToInstant('2024-10-27', '01:30', 'Europe/London')).toBe('2024-10-27T00:30:00.000Z');
    expect(localDateTimeToInstant('2024-10-27', '01:30', 'Europe/London', 'later')).toBe('2024-10-27T01:30:00.000Z');
    // Sydney 2024-04-07: 03:00 AEDT falls back to 02:00 AEST
    expect(localDateTimeToInstant('2024-04-07', '02:30', 'Australia/Sydney')).toBe('2024-04-06T15:30:00.000Z');
    expect(localDateTimeToInstant('2024-04-07', '02:30', 'Australia/Sydney', 'later')).toBe('2024-04-06T16:30:00.000Z');
    expect(() => localDateTimeToInstant('2024-04-07', '02:30', 'Australia/Sydney', 'reject')).toThrow(
      NonexistentLocalTimeError,
    );
  });

  it('round-trips every 15 minutes of 2024 in DST and non-DST zones', () => {
    const zones = [
      'America/Los_Angeles',
      'Europe/London',
      'Asia/Tokyo',
      'Australia/Sydney',
      'Asia/Kolkata',
      'Australia/Lord_Howe',
    ];
    const from = Date.UTC(2024, 0, 1);
    const to = Date.UTC(2025, 0, 1);
    for (const name of zones) {
      const zone = getZone(name);
      for (let t = from; t < to; t += 15 * MS_PER_MINUTE) {
        const local = t + zone.offsetAt(t);
        const day = Math.floor(local / 86_400_000);
        const minutes = (local - day * 86_400_000) / MS_PER_MINUTE;
        const back = zone.wallTimeToInstant(day, minutes);
        // the second occurrence of an overlapped time comes back only with 'later'
        if (back !== t) expect(zone.wallTimeToInstant(day, minutes, 'later')).toBe(t);
      }
    }
  });
});
