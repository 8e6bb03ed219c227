import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { estimateCart, estimateDelivery } from '../../../../src/modules/delivery/core/delivery-window';
import type {
  DeliveryEstimate,
  DeliveryEstimateInput,
  DeliveryPromise,
  HubCandidate,
} from '../../../../src/modules/delivery/core/delivery-window';
import { localDate } from '../../../../src/shared/zoned-time';

/**
 * A promise is never earlier than the stock can be there: work starts at the latest of the order,
 * the drop's opening and (units not yet at the hub) their arrival, then the hub's cutoff and the
 * business calendar apply. Dates below are in New York (UTC−5 in December); 2026-12-01 is a Tuesday.
 */
const NY = 'America/New_York';

function hub(overrides: Partial<HubCandidate> = {}): HubCandidate {
  // The worked example's hub: cutoff 14:00 local, handling 1 business day, transit 1–2, Mon–Fri.
  return {
    id: 'hub-nyc',
    time_zone: NY,
    cutoff_local: '14:00',
    handling_days: 1,
    lane: { transit_days_min: 1, transit_days_max: 2 },
    available_units: 0,
    inbound_units: 10,
    inbound_at: '2026-12-02T17:00:00Z', // Wed 12:00
    ...overrides,
  };
}

function input(overrides: Partial<DeliveryEstimateInput> = {}): DeliveryEstimateInput {
  return {
    ordered_at: '2026-12-01T15:00:00Z', // Tue 10:00
    quantity: 1,
    region: { id: 'US-NY', time_zone: NY },
    promise_business_days: 3,
    opens_at: '2026-12-03T14:00:00Z', // Thu 09:00
    hubs: [hub()],
    baseline: null,
    ...overrides,
  };
}

function promised(e: DeliveryEstimate): DeliveryPromise {
  if (e.status !== 'promise') throw new Error(`expected a promise, got ${JSON.stringify(e)}`);
  return e;
}

const window = (e: DeliveryPromise) => [e.start_date, e.earliest_delivery, e.latest_delivery];

describe('the worked example (order Tue, stock at the hub Wed, drop opens Thu)', () => {
  it('opening Thu 09:00, before the cutoff: starts Thu, handling ends Fri, delivers Mon to Tue', () => {
    const e = promised(estimateDelivery(input()));
    expect(window(e)).toEqual(['2026-12-03', '2026-12-07', '2026-12-08']);
    expect(e).toMatchObject({
      start_reason: 'opening',
      cutoff_applied: false,
      source_state: 'inbound',
      inbound_expected_at: '2026-12-02T17:00:00.000Z',
    });
    // Days still count from the order date: Tue → Mon is 4 business days, → Tue 5.
    expect([e.days_min, e.days_max]).toEqual([4, 5]);
    // The estimate holds until the cutoff of its start day.
    expect(e.expires_at).toBe('2026-12-03T19:00:00.000Z');
  });

  it('opening Thu 15:00, after the cutoff: starts Fri, delivers Tue to Wed', () => {
    const e = promised(estimateDelivery(input({ opens_at: '2026-12-03T20:00:00Z' })));
    expect(window(e)).toEqual(['2026-12-04', '2026-12-08', '2026-12-09']);
    expect(e).toMatchObject({ start_reason: 'opening', cutoff_applied: true });
  });
});

describe('opening, arrival, cutoff and weekend', () => {
  it('starts at the arrival when the units reach the hub after the opening', () => {
    const e = promised(estimateDelivery(input({ hubs: [hub({ inbound_at: '2026-12-04T15:00:00Z' })] }))); // Fri 10:00
    expect(window(e)).toEqual(['2026-12-04', '2026-12-08', '2026-12-09']);
    expect(e).toMatchObject({ start_reason: 'arrival', cutoff_applied: false });
  });

  it('moves past the weekend when the units arrive on a Friday after the cutoff', () => {
    const e = promised(estimateDelivery(input({ hubs: [hub({ inbound_at: '2026-12-04T21:00:00Z' })] }))); // Fri 16:00
    expect(window(e)).toEqual(['2026-12-07', '2026-12-09', '2026-12-10']);
    expect(e).toMatchObject({ start_reason: 'arrival', cutoff_applied: true });
  });

  it('starts on Monday when the units arrive on a Saturday', () => {
    const e = promised(estimateDelivery(input({ hubs: [hub({ inbound_at: '2026-12-05T15:00:00Z' })] })));
    expect(window(e)).toEqual(['2026-12-07', '2026-12-09', '2026-12-10']);
    expect(e.start_reason).toBe('arrival');
  });

  it('starts from the opening on a Monday when the drop opens on a Sunday', () => {
    const e = promised(estimateDelivery(input({ opens_at: '2026-12-06T17:00:00Z' })));
    expect(window(e)).toEqual(['2026-12-07', '2026-12-09', '2026-12-10']);
    expect(e).toMatchObject({ start_reason: 'opening', cutoff_applied: true });
  });

  it('starts from the order once the drop is open and the stock is in', () => {
    const e = promised(estimateDelivery(input({ ordered_at: '2026-12-08T16:00:00Z' }))); // Tue 11:00
    expect(window(e)).toEqual(['2026-12-08', '2026-12-10', '2026-12-11']);
    expect(e.start_reason).toBe('order');
    const late = promised(estimateDelivery(input({ ordered_at: '2026-12-08T19:30:00Z' }))); // Tue 14:30
    expect(window(late)).toEqual(['2026-12-09', '2026-12-11', '2026-12-14']);
    expect(late).toMatchObject({ start_reason: 'order', cutoff_applied: true });
  });

  it('promises on-hand units from the opening, whatever inbound units are still on their way', () => {
    const e = promised(
      estimateDelivery(input({ hubs: [hub({ available_units: 2, inbound_at: '2026-12-10T15:00:00Z' })], quantity: 2 })),
    );
    expect(e).toMatchObject({ source_state: 'on_hand', inbound_expected_at: null, start_reason: 'opening' });
    expect(window(e)).toEqual(['2026-12-03', '2026-12-07', '2026-12-08']);
    // One unit more than is on hand: the line waits for the inbound units.
    const more = promised(
      estimateDelivery(input({ hubs: [hub({ available_units: 2, inbound_at: '2026-12-10T15:00:00Z' })], quantity: 3 })),
    );
    expect(more).toMatchObject({ source_state: 'inbound', start_reason: 'arrival', start_date: '2026-12-10' });
  });

  it('promises inbound units with no recorded arrival from the opening', () => {
    const e = promised(estimateDelivery(input({ hubs: [hub({ inbound_at: null })] })));
    expect(e).toMatchObject({ source_state: 'inbound', inbound_expected_at: null, start_reason: 'opening' });
    expect(window(e)).toEqual(['2026-12-03', '2026-12-07', '2026-12-08']);
  });

  it('starts the baseline path from the opening too, so the delta compares like with like', () => {
    const e = promised(
      estimateDelivery(
        input({ baseline: { id: 'central', handling_days: 1, transit_days_min: 1, transit_days_max: 2 } }),
      ),
    );
    // The baseline has no cutoff: it starts Thu, ships Fri, delivers Mon–Tue, exactly like the hub here.
    expect(e.baseline).toMatchObject({ earliest_delivery: '2026-12-07', latest_delivery: '2026-12-08' });
    expect(e.lead_time_delta).toEqual({ earliest: 0, latest: 0 });
  });

  it('answers no promise when on-hand and inbound units together fall short, naming both', () => {
    const e = estimateDelivery(input({ hubs: [hub({ available_units: 1, inbound_units: 2 })], quantity: 4 }));
    expect(e).toMatchObject({ status: 'no_promise', reason: 'out_of_stock', quantity_available: 3 });
  });

  it('gives the on-hand units to the first line of a cart and the inbound ones to the next', () => {
    const line = (quantity: number) => ({
      sku: 'sku-1',
      quantity,
      promise_business_days: 3,
      opens_at: '2026-12-03T14:00:00Z',
      hubs: [hub({ available_units: 2, inbound_units: 5, inbound_at: '2026-12-04T15:00:00Z' })],
    });
    const cart = estimateCart({
      ordered_at: '2026-12-01T15:00:00Z',
      region: { id: 'US-NY', time_zone: NY },
      lines: [line(2), line(2)],
    });
    const [first, second] = cart.lines.map((l) => promised(l.estimate));
    expect(first).toMatchObject({ source_state: 'on_hand', start_date: '2026-12-03' });
    expect(second).toMatchObject({ source_state: 'inbound', start_date: '2026-12-04', start_reason: 'arrival' });
  });
});

describe('never earlier than the stock can be there (property)', () => {
  const instant = fc
    .integer({ min: Date.parse('2026-11-01T00:00:00Z'), max: Date.parse('2027-01-31T00:00:00Z') })
    .map((ms) => new Date(ms).toISOString());

  it('delivers after the buyer-local dates of the order, the opening and (inbound) the arrival', () => {
    fc.assert(
      fc.property(instant, instant, instant, fc.boolean(), (orderedAt, opensAt, arrivesAt, onHand) => {
        const e = promised(
          estimateDelivery(
            input({
              ordered_at: orderedAt,
              opens_at: opensAt,
              hubs: [hub({ available_units: onHand ? 5 : 0, inbound_units: 5, inbound_at: arrivesAt })],
            }),
          ),
        );
        const bounds = [orderedAt, opensAt, ...(onHand ? [] : [arrivesAt])];
        // Transit is at least one business day, so delivery is strictly after each of those dates.
        for (const at of bounds) expect(e.earliest_delivery > localDate(at, NY)).toBe(true);
        expect(e.latest_delivery >= e.earliest_delivery).toBe(true);
        expect(e.source_state).toBe(onHand ? 'on_hand' : 'inbound');
      }),
    );
  });

  it('never moves a promise earlier when the opening or the arrival moves later', () => {
    fc.assert(
      fc.property(instant, instant, instant, fc.integer({ min: 0, max: 10 * 86_400_000 }), (o, opens, arrives, by) => {
        const at = (opensAt: string, arrivesAt: string) =>
          promised(
            estimateDelivery(input({ ordered_at: o, opens_at: opensAt, hubs: [hub({ inbound_at: arrivesAt })] })),
          );
        const later = (iso: string) => new Date(Date.parse(iso) + by).toISOString();
        const base = at(opens, arrives);
        expect(at(later(opens), arrives).earliest_delivery >= base.earliest_delivery).toBe(true);
        expect(at(opens, later(arrives)).earliest_delivery >= base.earliest_delivery).toBe(true);
      }),
    );
  });
});
