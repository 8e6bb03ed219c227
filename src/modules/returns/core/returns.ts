/**
 * Returns, the pure part: when a returned unit leaves inspection, what it becomes by default, and
 * return rates. No clock, no I/O: instants come in as ISO strings.
 */
import { addBusinessDaysToDate } from '../../../shared/business-calendar';
import { localDate, localDateTimeToInstant } from '../../../shared/zoned-time';

export type ReturnReason = 'unwanted' | 'defect' | 'wrong_item';
export type ReturnOutcome = 'available' | 'discounted' | 'repair';

/** Business days a returned unit spends in inspection at the receiving hub (Mon–Fri, the hub's zone). */
export const INSPECTION_BUSINESS_DAYS = 2;

/**
 * The instant inspection ends: 00:00 hub-local on the `days`-th business day after the local date
 * the unit arrived. Received Friday with 2 days → ready Tuesday 00:00; received Monday → Wednesday.
 */
export function inspectionEndsAt(receivedAt: string, hubTimeZone: string, days = INSPECTION_BUSINESS_DAYS): string {
  const arrived = localDate(receivedAt, hubTimeZone);
  return localDateTimeToInstant(addBusinessDaysToDate(arrived, days), '00:00', hubTimeZone);
}

/**
 * What a returned unit becomes when its inspection ends, unless the hub records another outcome:
 * an unwanted or wrong item is resellable (available); a defect goes to repair.
 */
export function defaultOutcome(reason: ReturnReason): ReturnOutcome {
  return reason === 'defect' ? 'repair' : 'available';
}

export interface ReturnRateRow {
  units_sold: number;
  units_returned: number;
  /** units_returned / units_sold; null when nothing was sold */
  return_rate: number | null;
}

export interface ReturnRates extends ReturnRateRow {
  by_region: (ReturnRateRow & { region_id: string })[];
  by_sku: (ReturnRateRow & { sku_id: string })[];
  by_reason: (ReturnRateRow & { reason: ReturnReason })[];
}

const rate = (returned: number, sold: number): number | null => (sold > 0 ? returned / sold : null);
const byKey =
  <T extends Record<K, string>, K extends string>(k: K) =>
  (a: T, b: T) =>
    a[k] < b[k] ? -1 : a[k] > b[k] ? 1 : 0;

/**
 * Return rates of a drop: returned units over sold units, overall and by region, SKU and reason
 * (a reason's rate is over every unit sold). A return with no region counts in the totals, the SKU
 * and the reason, not in a region.
 */
export function returnRates(
  sold: readonly { sku_id: string; region_id: string; quantity: number }[],
  returned: readonly { sku_id: string; region_id: string | null; reason: ReturnReason; quantity: number }[],
): ReturnRates {
  const soldByRegion = new Map<string, number>();
  const soldBySku = new Map<string, number>();
  let totalSold = 0;
  for (const s of sold) {
    soldByRegion.set(s.region_id, (soldByRegion.get(s.region_id) ?? 0) + s.quantity);
    soldBySku.set(s.sku_id, (soldBySku.get(s.sku_id) ?? 0) + s.quantity);
    totalSold += s.quantity;
  }
  const retByRegion = new Map<string, number>();
  const retBySku = new Map<string, number>();
  const retByReason = new Map<ReturnReason, number>();
  let totalReturned = 0;
  for (const r of returned) {
    if (r.region_id !== null) retByRegion.set(r.region_id, (retByRegion.get(r.region_id) ?? 0) + r.quantity);
    retBySku.set(r.sku_id, (retBySku.get(r.sku_id) ?? 0) + r.quantity);
    retByReason.set(r.reason, (retByReason.get(r.reason) ?? 0) + r.quantity);
    totalReturned += r.quantity;
  }
  const row = (returnedUnits: number, soldUnits: number): ReturnRateRow => ({
    units_sold: soldUnits,
    units_returned: returnedUnits,
    return_rate: rate(returnedUnits, soldUnits),
  });
  const regions = new Set([...soldByRegion.keys(), ...retByRegion.keys()]);
  const skus = new Set([...soldBySku.keys(), ...retBySku.keys()]);
  return {
    ...row(totalReturned, totalSold),
    by_region: [...regions]
      .map((region_id) => ({ region_id, ...row(retByRegion.get(region_id) ?? 0, soldByRegion.get(region_id) ?? 0) }))
      .sort(byKey('region_id')),
    by_sku: [...skus]
      .map((sku_id) => ({ sku_id, ...row(retBySku.get(sku_id) ?? 0, soldBySku.get(sku_id) ?? 0) }))
      .sort(byKey('sku_id')),
    by_reason: (['unwanted', 'defect', 'wrong_item'] as const).map((reason) => ({
      reason,
      ...row(retByReason.get(reason) ?? 0, totalSold),
    })),
  };
}
