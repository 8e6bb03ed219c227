import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compareLaneOrder,
  DeliveryInputError,
  estimateDelivery,
} from '../../../../src/modules/delivery/core/delivery-window';
import type {
  DeliveryEstimate,
  DeliveryEstimateInput,
  DeliveryPromise,
  HubCandidate,
  NoDeliveryPromise,
  PathCandidate,
} from '../../../../src/modules/delivery/core/delivery-window';
import { isBusinessDate } from '../../../../src/shared/business-calendar';
import { localDate } from '../../../../src/shared/zoned-time';

// Factories: every test builds its own objects (no shared fixtures).
function hub(overrides: Partial<HubCandidate> = {}): HubCandidate {
  return {
    id: 'hub-la',
    time_zone: 'America/Los_Angeles',
    cutoff_local: '14:00',
    handling_days: 0,
    lane: { transit_days_min: 1, transit_days_max: 2 },
    available_units: 10,
    ...overrides,
  };
}

function baseline(overrides: Partial<PathCandidate> = {}): PathCandidate {
  return { id: 'central-dc', handling_days: 1, transit_days_min: 3, transit_days_max: 5, ...overrides };
}

function supplier(overrides: Partial<PathCandidate> = {}): PathCandidate {
  return {
    id: 'microfactory',
    handling_days: 2,
    transit_days_min: 2,
    transit_days_max: 3,
    available_units: 100,
    ...overrides,
  };
}

function input(overrides: Partial<DeliveryEstimateInput> = {}): DeliveryEstimateInput {
  return {
    ordered_at: '2024-03-05T18:00:00Z', // Tuesday 10:00 PST
    quantity: 1,
    region: { id: 'US-CA', time_zone: 'America/Los_Angeles' },
    promise_business_days: 2,
    hubs: [hub()],
    baseline: baseline(),
    ...overrides,
  };
}

function promised(e: DeliveryEstimate): DeliveryPromise {
  if (e.status !== 'promise') throw new Error(`expected a promise, got ${JSON.stringify(e)}`);
  return e;
}

function refused(e: DeliveryEstimate): NoDeliveryPromise {
  if (e.status !== 'no_promise') throw new Error(`expected no promise, got ${JSON.stringify(e)}`);
  return e;
}

describe('cutoff', () => {
  it('starts the same day for an order before the cutoff', () => {
    const e = promised(estimateDelivery(input()));
    expect(e).toEqual({
      status: 'promise',
      region_id: 'US-CA',
      quantity: 1,
      source: { type: 'hub', id: 'hub-la' },
      source_state: 'on_hand',
      inbound_expected_at: null,
      start_reason: 'order',
      handling_days: 0,
      transit_days_min: 1,
      transit_days_max: 2,
      cutoff_applied: false,
      start_date: '2024-03-05',
      earliest_delivery: '2024-03-06', // Wed
      latest_delivery: '2024-03-07', // Thu
      days_min: 1,
      days_max: 2,
      // baseline: starts Tue, ships Wed, + 3 = Mon 11th, + 5 = Wed 13th
      baseline: { earliest_delivery: '2024-03-11', latest_delivery: '2024-03-13', days_min: 4, days_max: 6 },
      lead_time_delta: { earliest: 3, latest: 4 },
      promise_business_days: 2,
      meets_promise: true,
      expires_at: '2024-03-05T22:00:00.000Z', // Tue 14:00 PST
    });
  });

  it('starts the next business day for an order at or after the cutoff', () => {
    const atCutoff = promised(estimateDelivery(input({ ordered_at: '2024-03-05T22:00:00Z' })));
    expect(atCutoff.cutoff_applied).toBe(true);
    expect(atCutoff.start_date).toBe('2024-03-06');
    expect([atCutoff.earliest_delivery, atCutoff.latest_delivery]).toEqual(['2024-03-07', '2024-03-08']);
    expect([atCutoff.days_min, atCutoff.days_max]).toEqual([2, 3]);
    expect(atCutoff.expires_at).toBe('2024-03-06T22:00:00.000Z');

    const justBefore = promised(estimateDelivery(input({ ordered_at: '2024-03-05T21:59:59.999Z' })));
    expect(justBefore.cutoff_applied).toBe(false);
    expect(justBefore.expires_at).toBe('2024-03-05T22:00:00.000Z');
  });

  it('starts on Monday for a Friday order after the cutoff, across the spring-forward weekend', () => {
    // Fri 2024-03-08 15:00 PST; DST starts Sun 10th, so Monday's cutoff is 14:00 PDT = 21:00Z
    const e = promised(estimateDelivery(input({ ordered_at: '2024-03-08T23:00:00Z' })));
    expect(e.cutoff_applied).toBe(true);
    expect(e.start_date).toBe('2024-03-11');
    expect(e.expires_at).toBe('2024-03-11T21:00:00.000Z');
    expect([e.earliest_delivery, e.latest_delivery]).toEqual(['2024-03-12', '2024-03-13']);
    expect([e.days_min, e.days_max]).toEqual([2, 3]);
    // baseline has no cutoff: Friday counts, ships Mon 11th, + 3 = Thu 14th, + 5 = Mon 18th
    expect(e.baseline).toEqual({
      earliest_delivery: '2024-03-14',
      latest_delivery: '2024-03-18',
      days_min: 4,
      days_max: 6,
    });
    expect(e.lead_time_delta).toEqual({ earliest: 2, latest: 3 });
  });

  it('starts on Monday for a weekend order placed before the cutoff hour', () => {
    const e = promised(estimateDelivery(input({ ordered_at: '2024-03-09T18:00:00Z' }))); // Sat 10:00 PST
    expect(e.cutoff_applied).toBe(true);
    expect(e.start_date).toBe('2024-03-11');
    expect([e.earliest_delivery, e.latest_delivery]).toEqual(['2024-03-12', '2024-03-13']);
    expect([e.days_min, e.days_max]).toEqual([2, 3]);
    // baseline: Saturday rolls to Mon, ships Tue 12th, + 3 = Fri 15th, + 5 = Tue 19th
    expect(e.baseline).toEqual({
      earliest_delivery: '2024-03-15',
      latest_delivery: '2024-03-19',
      days_min: 5,
      days_max: 7,
    });
    expect(e.lead_time_delta).toEqual({ earliest: 3, latest: 4 });
  });

  it('uses standard time for the cutoff after the fall-back weekend', () => {
    const e = promised(estimateDelivery(input({ ordered_at: '2024-11-02T17:00:00Z' }))); // Sat 10:00 PDT
    expect(e.start_date).toBe('2024-11-04');
    expect(e.expires_at).toBe('2024-11-04T22:00:00.000Z'); // Mon 14:00 PST
    expect(e.earliest_delivery).toBe('2024-11-05');
  });
});

describe('transit windows', () => {
  it('adds handling then transit in business days and checks the lane against the promise', () => {
    const e = promised(
      estimateDelivery(
        input({
          ordered_at: '2024-03-04T18:00:00Z', // Mon 10:00 PST
          hubs: [hub({ handling_days: 1, lane: { transit_days_min: 2, transit_days_max: 4 } })],
        }),
      ),
    );
    // ships Tue 5th; + 2 = Thu 7th; + 4 = Mon 11th
    expect([e.earliest_delivery, e.latest_delivery]).toEqual(['2024-03-07', '2024-03-11']);
    expect([e.days_min, e.days_max]).toEqual([3, 5]);
    expect(e.meets_promise).toBe(false); // 1 + 4 > 2
  });

  it('delivers a zero-day transit on the dispatch date', () => {
    const e = promised(
      estimateDelivery(input({ hubs: [hub({ lane: { transit_days_min: 0, transit_days_max: 1 } })] })),
    );
    expect([e.earliest_delivery, e.latest_delivery]).toEqual(['2024-03-05', '2024-03-06']);
    expect([e.days_min, e.days_max]).toEqual([0, 1]);
  });

  it('leaves the delta null without a baseline', () => {
    const e = promised(estimateDelivery(input({ baseline: null })));
    expect(e.baseline).toBeNull();
    expect(e.lead_time_delta).toBeNull();
  });
});

describe('zones', () => {
  it('dates delivery in the buyer zone when the hub is across the date line', () => {
    // Auckland hub (NZST +12), Honolulu buyer (HST −10). Tue 09 Jul 10:00 NZST = Mon 08 Jul 12:00 HST.
    const e = promised(
      estimateDelivery(
        input({
          ordered_at: '2024-07-08T22:00:00Z',
          region: { id: 'US-HI', time_zone: 'Pacific/Honolulu' },
          hubs: [hub({ id: 'hub-akl', time_zone: 'Pacific/Auckland', cutoff_local: '15:00' })],
          baseline: null,
        }),
      ),
    );
    expect(e.start_date).toBe('2024-07-09'); // Auckland's date
    expect(e.cutoff_applied).toBe(false);
    expect(e.expires_at).toBe('2024-07-09T03:00:00.000Z'); // Tue 15:00 NZST = Mon 17:00 HST
    // dispatched Mon 8th in Honolulu: + 1 = Tue 9th, + 2 = Wed 10th
    expect([e.earliest_delivery, e.latest_delivery]).toEqual(['2024-07-09', '2024-07-10']);
    expect([e.days_min, e.days_max]).toEqual([1, 2]);
  });

  it('rolls a Friday-after-cutoff order at a hub a day ahead of the buyer to the hub Monday', () => {
    // Fri 12 Jul 16:00 NZST (after cutoff) = Thu 11 Jul 18:00 HST
    const e = promised(
      estimateDelivery(
        input({
          ordered_at: '2024-07-12T04:00:00Z',
          region: { id: 'US-HI', time_zone: 'Pacific/Honolulu' },
          hubs: [hub({ id: 'hub-akl', time_zone: 'Pacific/Auckland', cutoff_local: '15:00' })],
          baseline: null,
        }),
      ),
    );
    expect(e.cutoff_applied).toBe(true);
    expect(e.start_date).toBe('2024-07-15'); // Mon in Auckland
    // dispatch Mon 15:00 NZST = Sun 14th 17:00 HST: + 1 = Mon 15th, + 2 = Tue 16th
    expect([e.earliest_delivery, e.latest_delivery]).toEqual(['2024-07-15', '2024-07-16']);
    expect([e.days_min, e.days_max]).toEqual([2, 3]); // from Thu 11th in Honolulu
  });

  it('hands a Los Angeles dispatch to a Tokyo buyer on the next Tokyo day', () => {
    // Mon 8 Jul 10:00 PDT = Tue 9 Jul 02:00 JST; dispatch Mon 15:00 PDT = Tue 07:00 JST
    const e = promised(
      estimateDelivery(
        input({
          ordered_at: '2024-07-08T17:00:00Z',
          region: { id: 'JP-13', time_zone: 'Asia/Tokyo' },
          hubs: [hub({ cutoff_local: '15:00', lane: { transit_days_min: 1, transit_days_max: 1 } })],
          baseline: null,
        }),
      ),
    );
    expect(e.start_date).toBe('2024-07-08');
    expect(e.earliest_delivery).toBe('2024-07-10');
    expect(e.days_min).toBe(1); // from Tue 9th in Tokyo
  });

  it('skips declared holidays across the British clock change (Easter 2024)', () => {
    const holidays = ['2024-03-29', '2024-04-01'];
    const e = promised(
      estimateDelivery(
        input({
          ordered_at: '2024-03-28T13:00:00Z', // Thu 13:00 GMT, after a 12:00 cutoff
          region: { id: 'GB-LND', time_zone: 'Europe/London', holidays },
          hubs: [
            hub({
              id: 'hub-lon',
              time_zone: 'Europe/London',
              cutoff_local: '12:00',
              holidays,
              lane: { transit_days_min: 1, transit_days_max: 1 },
            }),
          ],
          baseline: null,
        }),
      ),
    );
    expect(e.start_date).toBe('2024-04-02'); // Fri and Mon are holidays
    expect(e.expires_at).toBe('2024-04-02T11:00:00.000Z'); // 12:00 BST
    expect(e.earliest_delivery).toBe('2024-04-03');
    expect(e.days_min).toBe(2); // Tue 2nd, Wed 3rd
  });

  it('uses daylight time before and standard time after the Sydney fall-back weekend', () => {
    const e = promised(
      estimateDelivery(
        input({
          ordered_at: '2024-04-05T06:00:00Z', // Fri 17:00 AEDT, after a 16:00 cutoff
          region: { id: 'AU-NSW', time_zone: 'Australia/Sydney' },
          hubs: [
            hub({
              id: 'hub-syd',
              time_zone: 'Australia/Sydney',
              cutoff_local: '16:00',
              lane: { transit_days_min: 1, transit_days_max: 1 },
            }),
          ],
          baseline: null,
        }),
      ),
    );
    expect(e.start_date).toBe('2024-04-08');
    expect(e.expires_at).toBe('2024-04-08T06:00:00.000Z'); // Mon 16:00 AEST
    expect(e.earliest_delivery).toBe('2024-04-09');
  });

  it('honours a Sunday-only weekend in a half-hour zone', () => {
    const e = promised(
      estimateDelivery(
        input({
          ordered_at: '2024-03-09T06:30:00Z', // Sat 12:00 IST
          region: { id: 'IN-MH', time_zone: 'Asia/Kolkata', weekend_days: [7] },
          hubs: [
            hub({
              id: 'hub-bom',
              time_zone: 'Asia/Kolkata',
              cutoff_local: '18:00',
              weekend_days: [7],
              lane: { transit_days_min: 1, transit_days_max: 1 },
            }),
          ],
          baseline: null,
        }),
      ),
    );
    expect(e.cutoff_applied).toBe(false); // Saturday is a business day here
    expect(e.expires_at).toBe('2024-03-09T12:30:00.000Z');
    expect(e.earliest_delivery).toBe('2024-03-11'); // Sunday skipped
    expect(e.days_min).toBe(1);
  });

  it('runs a supplier with its own zone and cutoff on its own calendar', () => {
    const e = promised(
      estimateDelivery(
        input({
          hubs: [],
          // Tue 5 Mar 18:00Z = Wed 02:00 in Shanghai, before a 17:00 cutoff
          supplier: supplier({
            id: 'offshore',
            time_zone: 'Asia/Shanghai',
            cutoff_local: '17:00',
            handling_days: 1,
            transit_days_min: 3,
            transit_days_max: 5,
          }),
        }),
      ),
    );
    expect(e.source).toEqual({ type: 'supplier', id: 'offshore' });
    expect(e.start_date).toBe('2024-03-06');
    expect(e.expires_at).toBe('2024-03-06T09:00:00.000Z');
    // ships Thu 7th 17:00 CST = Thu 01:00 PST: + 3 = Tue 12th, + 5 = Thu 14th
    expect([e.earliest_delivery, e.latest_delivery]).toEqual(['2024-03-12', '2024-03-14']);
  });
});

describe('choosing the source', () => {
  const fast = (o: Partial<HubCandidate> = {}) =>
    hub({ id: 'fast', lane: { transit_days_min: 1, transit_days_max: 1 }, ...o });
  const next = (o: Partial<HubCandidate> = {}) =>
    hub({ id: 'next', lane: { transit_days_min: 1, transit_days_max: 2 }, ...o });

  it('serves from the fastest hub with stock', () => {
    const e = promised(estimateDelivery(input({ hubs: [next(), fast()] })));
    expect(e.source).toEqual({ type: 'hub', id: 'fast' });
  });

  it('falls to the next hub in lane order when the fastest is out', () => {
    const e = promised(estimateDelivery(input({ hubs: [fast({ available_units: 0 }), next()] })));
    expect(e.source).toEqual({ type: 'hub', id: 'next' });
  });

  it('needs the whole quantity at one hub', () => {
    const e = promised(
      estimateDelivery(input({ quantity: 4, hubs: [fast({ available_units: 3 }), next({ available_units: 4 })] })),
    );
    expect(e.source.id).toBe('next');
  });

  it('falls to the supplier when every hub is out, then to the baseline', () => {
    const hubsOut = [fast({ available_units: 0 }), next({ available_units: 0 })];
    const s = promised(estimateDelivery(input({ hubs: hubsOut, supplier: supplier() })));
    expect(s.source).toEqual({ type: 'supplier', id: 'microfactory' });
    // supplier: starts Tue, ships Thu 7th, + 2 = Mon 11th, + 3 = Tue 12th
    expect([s.earliest_delivery, s.latest_delivery]).toEqual(['2024-03-11', '2024-03-12']);
    expect([s.days_min, s.days_max]).toEqual([4, 5]);
    expect(s.lead_time_delta).toEqual({ earliest: 0, latest: 1 }); // baseline 4 / 6
    expect(s.meets_promise).toBe(false);

    const b = promised(estimateDelivery(input({ hubs: hubsOut, supplier: supplier({ available_units: 0 }) })));
    expect(b.source).toEqual({ type: 'baseline', id: 'central-dc' });
    expect(b.baseline).toEqual({
      earliest_delivery: b.earliest_delivery,
      latest_delivery: b.latest_delivery,
      days_min: b.days_min,
      days_max: b.days_max,
    });
    expect(b.lead_time_delta).toEqual({ earliest: 0, latest: 0 });
  });

  it('ignores hubs without a lane to the region', () => {
    const e = promised(estimateDelivery(input({ hubs: [fast({ lane: null, available_units: 99 }), next()] })));
    expect(e.source.id).toBe('next');
  });

  it('prefers a slow hub to the supplier and says it misses the promise', () => {
    const slow = hub({ id: 'slow', lane: { transit_days_min: 3, transit_days_max: 4 } });
    const e = promised(estimateDelivery(input({ hubs: [slow], supplier: supplier() })));
    expect(e.source.id).toBe('slow');
    expect(e.meets_promise).toBe(false);
  });

  it('breaks ties by max days, then min days, then id, whatever the listing order', () => {
    const a = hub({ id: 'a' });
    const b = hub({ id: 'b' });
    expect(promised(estimateDelivery(input({ hubs: [b, a] }))).source.id).toBe('a');
    expect(promised(estimateDelivery(input({ hubs: [a, b] }))).source.id).toBe('a');
    const z = hub({ id: 'z', lane: { transit_days_min: 0, transit_days_max: 2 } });
    expect(promised(estimateDelivery(input({ hubs: [a, z] }))).source.id).toBe('z');
    const y = hub({ id: 'y', handling_days: 1, lane: { transit_days_min: 0, transit_days_max: 1 } });
    // 1 + 0..1 against 0 + 1..2: both 1..2 in total, so the id decides
    expect(promised(estimateDelivery(input({ hubs: [y, a] }))).source.id).toBe('a');
  });
});

describe('no promise', () => {
  it('says no_source when nothing is configured', () => {
    const e = refused(estimateDelivery(input({ hubs: [], baseline: null })));
    expect(e).toMatchObject({ reason: 'no_source', quantity_available: 0, region_id: 'US-CA', quantity: 1 });
    expect(e.detail).toMatch(/no hub/);
  });

  it('says no_lane when hubs exist but none reaches the region', () => {
    const e = refused(estimateDelivery(input({ hubs: [hub({ lane: null })], baseline: null })));
    expect(e.reason).toBe('no_lane');
  });

  it('says out_of_stock with the most any source could ship', () => {
    const e = refused(
      estimateDelivery(
        input({
          quantity: 5,
          hubs: [hub({ id: 'a', available_units: 2 }), hub({ id: 'b', available_units: 4 })],
          supplier: supplier({ available_units: 3 }),
          baseline: baseline({ available_units: 1 }),
        }),
      ),
    );
    expect(e).toMatchObject({ reason: 'out_of_stock', quantity_available: 4 });
  });

  it('says out_of_stock when only a supplier reaches the region and it is empty', () => {
    const e = refused(
      estimateDelivery(
        input({ hubs: [hub({ lane: null })], supplier: supplier({ available_units: 0 }), baseline: null }),
      ),
    );
    expect(e.reason).toBe('out_of_stock');
  });
});

describe('input errors', () => {
  it('rejects malformed input with the field named', () => {
    const cases: [Partial<DeliveryEstimateInput>, string][] = [
      [{ ordered_at: '2024-03-05T10:00:00' }, 'ordered_at'],
      [{ quantity: 0 }, 'quantity'],
      [{ quantity: 1.5 }, 'quantity'],
      [{ promise_business_days: -1 }, 'promise_business_days'],
      [{ region: { id: 'X', time_zone: 'Nowhere/Town' } }, 'region.time_zone'],
      [{ region: { id: 'X', time_zone: 'UTC', weekend_days: [1, 2, 3, 4, 5, 6, 7] } }, 'region'],
      [{ hubs: [hub({ cutoff_local: '25:00' })] }, 'hubs[].cutoff_local'],
      [{ hubs: [hub({ lane: { transit_days_min: 3, transit_days_max: 1 } })] }, 'hubs[].lane'],
      [{ hubs: [hub({ available_units: -1 })] }, 'hubs[].available_units'],
      [{ hubs: [hub({ time_zone: 'Bad/Zone' })] }, 'hubs[].time_zone'],
    ];
    for (const [overrides, field] of cases) {
      let caught: unknown;
      try {
        estimateDelivery(input(overrides));
      } catch (e) {
        caught = e;
      }
      expect(caught, field).toBeInstanceOf(DeliveryInputError);
      expect((caught as DeliveryInputError).field).toBe(field);
    }
  });
});

const ZONES = [
  'America/Los_Angeles',
  'Europe/London',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Pacific/Auckland',
  'Pacific/Honolulu',
];

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

describe('invariants and determinism', () => {
  const arbHub = fc.record({
    id: fc.constantFrom('h1', 'h2', 'h3', 'h4'),
    time_zone: fc.constantFrom(...ZONES),
    cutoff_local: fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
    handling_days: fc.integer({ min: 0, max: 3 }),
    lane: fc.option(
      fc
        .tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }))
        .map(([a, b]) => ({ transit_days_min: Math.min(a, b), transit_days_max: Math.max(a, b) })),
      { nil: null },
    ),
    available_units: fc.integer({ min: 0, max: 5 }),
  });
  const arbInput = fc.record({
    ordered_at: fc
      .integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2026, 0, 1) })
      .map((ms) => new Date(ms).toISOString()),
    quantity: fc.integer({ min: 1, max: 4 }),
    region: fc.record({
      id: fc.constant('R'),
      time_zone: fc.constantFrom(...ZONES),
      weekend_days: fc.constantFrom<(1 | 2 | 3 | 4 | 5 | 6 | 7)[]>([6, 7], [5, 6], [7]),
    }),
    promise_business_days: fc.integer({ min: 0, max: 5 }),
    hubs: fc.uniqueArray(arbHub, { maxLength: 4, selector: (h) => h.id }), // ids are unique per line
    supplier: fc.option(fc.constant(supplier({ available_units: 2 })), { nil: null }),
    baseline: fc.option(fc.constant(baseline()), { nil: null }),
  });

  it('gives windows on buyer business days, never before the order, expiring after it', () => {
    fc.assert(
      fc.property(arbInput, (raw) => {
        const inp = deepFreeze(raw) as DeliveryEstimateInput;
        const e = estimateDelivery(inp);
        expect(estimateDelivery(inp)).toEqual(e); // same input, same answer
        expect(estimateDelivery({ ...inp, hubs: [...inp.hubs].reverse() })).toEqual(e); // listing order is irrelevant
        if (e.status === 'no_promise') return;
        const orderDate = localDate(inp.ordered_at, inp.region.time_zone);
        expect(e.earliest_delivery <= e.latest_delivery).toBe(true);
        expect(e.earliest_delivery >= orderDate).toBe(true);
        expect(isBusinessDate(e.earliest_delivery, inp.region)).toBe(true);
        expect(isBusinessDate(e.latest_delivery, inp.region)).toBe(true);
        expect(e.days_min).toBeLessThanOrEqual(e.days_max);
        expect(Date.parse(e.expires_at)).toBeGreaterThan(Date.parse(inp.ordered_at));
        expect(e.meets_promise).toBe(e.handling_days + e.transit_days_max <= inp.promise_business_days);
        if (e.source.type === 'hub') {
          const h = inp.hubs.find((x) => x.id === e.source.id && x.lane !== null && x.available_units >= inp.quantity)!;
          expect(h).toBeDefined();
          if (!e.cutoff_applied) expect(e.start_date).toBe(localDate(inp.ordered_at, h.time_zone));
        }
      }),
      { numRuns: 500, seed: 20240308 },
    );
  });
});

describe('lane order: one ordering for estimates and holds', () => {
  const laneHub = fc.record({
    id: fc.constantFrom('hub-a', 'hub-b', 'hub-c', 'hub-d', 'hub-e'),
    handling_days: fc.integer({ min: 0, max: 3 }),
    lane: fc
      .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 }))
      .map(([a, b]) => ({ transit_days_min: Math.min(a, b), transit_days_max: Math.max(a, b) })),
  });

  it('the hub an estimate picks (all in stock) is the first of the hubs sorted as holds sort them', () => {
    fc.assert(
      fc.property(fc.uniqueArray(laneHub, { minLength: 1, maxLength: 5, selector: (h) => h.id }), (ranked) => {
        const hubs: HubCandidate[] = ranked.map((h) => ({
          ...h,
          time_zone: 'America/New_York',
          cutoff_local: '14:00',
          available_units: 5,
        }));
        const estimate = estimateDelivery({
          ordered_at: '2026-12-01T15:00:00Z',
          quantity: 1,
          region: { id: 'US-NY', time_zone: 'America/New_York' },
          promise_business_days: 5,
          hubs,
          baseline: null,
        });
        const first = [...ranked].sort(compareLaneOrder)[0]!;
        expect(estimate.status === 'promise' && estimate.source.id).toBe(first.id);
        // the order does not depend on how the hubs were listed
        expect([...ranked].reverse().sort(compareLaneOrder)).toEqual([...ranked].sort(compareLaneOrder));
      }),
    );
  });
});
