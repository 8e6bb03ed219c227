import { describe, expect, it } from 'vitest';
import {
  DeliveryInputError,
  MAX_CART_LINES,
  estimateCart,
} from '../../../../src/modules/delivery/core/delivery-window';
import type {
  CartEstimateInput,
  CartLineInput,
  DeliveryEstimate,
  HubCandidate,
} from '../../../../src/modules/delivery/core/delivery-window';

function hub(overrides: Partial<HubCandidate> = {}): HubCandidate {
  return {
    id: 'hub-la',
    time_zone: 'America/Los_Angeles',
    cutoff_local: '14:00',
    handling_days: 0,
    lane: { transit_days_min: 1, transit_days_max: 1 },
    available_units: 5,
    ...overrides,
  };
}

function line(overrides: Partial<CartLineInput> = {}): CartLineInput {
  return {
    sku: 'tee-black-m',
    quantity: 3,
    promise_business_days: 1,
    hubs: [hub(), hub({ id: 'hub-sf', lane: { transit_days_min: 1, transit_days_max: 2 }, available_units: 3 })],
    supplier: { id: 'microfactory', handling_days: 2, transit_days_min: 2, transit_days_max: 3, available_units: 4 },
    baseline: { id: 'central-dc', handling_days: 1, transit_days_min: 3, transit_days_max: 5 },
    ...overrides,
  };
}

function cart(lines: CartLineInput[]): CartEstimateInput {
  return { ordered_at: '2024-03-05T18:00:00Z', region: { id: 'US-CA', time_zone: 'America/Los_Angeles' }, lines };
}

function sourceOf(e: DeliveryEstimate): string {
  return e.status === 'promise' ? `${e.source.type}:${e.source.id}` : `none:${e.reason}`;
}

describe('estimateCart', () => {
  it('counts units taken by earlier lines of the same SKU at the same source', () => {
    const result = estimateCart(cart([line(), line(), line(), line({ quantity: 2 }), line({ quantity: 1 })]));
    // hub-la 5 → line 0 takes 3 (2 left); hub-sf 3 → line 1; supplier 4 → line 2 (1 left);
    // line 3 wants 2: hub-la has 2 → hub-la; line 4 wants 1: supplier has 1 left but hubs are out → supplier
    expect(result.lines.map((l) => sourceOf(l.estimate))).toEqual([
      'hub:hub-la',
      'hub:hub-sf',
      'supplier:microfactory',
      'hub:hub-la',
      'supplier:microfactory',
    ]);
    const again = estimateCart(
      cart([line({ quantity: 5 }), line({ quantity: 4 }), line({ quantity: 4 }), line({ quantity: 1 })]),
    );
    expect(again.lines.map((l) => sourceOf(l.estimate))).toEqual([
      'hub:hub-la',
      'supplier:microfactory',
      'baseline:central-dc',
      'hub:hub-sf',
    ]);
  });

  it('never shares stock between different SKUs', () => {
    const result = estimateCart(cart([line({ sku: 'a', quantity: 5 }), line({ sku: 'b', quantity: 5 })]));
    expect(result.lines.map((l) => sourceOf(l.estimate))).toEqual(['hub:hub-la', 'hub:hub-la']);
  });

  it('estimates each line as estimateDelivery would when nothing is shared', () => {
    const result = estimateCart(cart([line({ sku: 'a' })]));
    const e = result.lines[0]!.estimate;
    expect(e).toMatchObject({
      status: 'promise',
      earliest_delivery: '2024-03-06',
      latest_delivery: '2024-03-06',
      meets_promise: true,
    });
    expect(result.summary).toEqual({
      status: 'promise',
      earliest_delivery: '2024-03-06',
      latest_delivery: '2024-03-06',
      all_meet_promise: true,
      expires_at: '2024-03-05T22:00:00.000Z',
    });
  });

  it('summarises a partly served cart: the last arrival, the first expiry', () => {
    const result = estimateCart(
      cart([
        line({ sku: 'a', quantity: 1 }),
        line({ sku: 'b', quantity: 1, hubs: [hub({ lane: { transit_days_min: 2, transit_days_max: 3 } })] }),
        line({ sku: 'c', quantity: 9, supplier: null, baseline: null }),
      ]),
    );
    expect(result.lines.map((l) => l.index)).toEqual([0, 1, 2]);
    expect(result.lines[2]!.estimate).toMatchObject({
      status: 'no_promise',
      reason: 'out_of_stock',
      quantity_available: 5,
    });
    expect(result.summary).toEqual({
      status: 'partial',
      earliest_delivery: '2024-03-07',
      latest_delivery: '2024-03-08',
      all_meet_promise: false,
      expires_at: '2024-03-05T22:00:00.000Z',
    });
  });

  it('answers an empty cart with no promise', () => {
    expect(estimateCart(cart([])).summary).toEqual({
      status: 'no_promise',
      earliest_delivery: null,
      latest_delivery: null,
      all_meet_promise: false,
      expires_at: null,
    });
  });

  it(`accepts ${MAX_CART_LINES} lines and rejects more`, () => {
    const lines = Array.from({ length: MAX_CART_LINES }, (_, i) => line({ sku: `sku-${i}`, quantity: 1 }));
    expect(estimateCart(cart(lines)).summary.status).toBe('promise');
    expect(() => estimateCart(cart([...lines, line()]))).toThrow(DeliveryInputError);
  });

  it('leaves the caller objects untouched and answers the same twice', () => {
    const input = cart([line(), line(), line()]);
    const before = JSON.stringify(input);
    const first = estimateCart(input);
    expect(JSON.stringify(input)).toBe(before);
    expect(estimateCart(input)).toEqual(first);
  });
});
