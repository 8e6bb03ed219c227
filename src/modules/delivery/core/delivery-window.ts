/**
 * The delivery estimate a storefront shows for one SKU line (and a cart of lines): a pure function
 * of the order instant, the buyer region and the candidate sources with their live availability.
 * No database, no HTTP, no clock: "now" is `ordered_at`.
 *
 * How a window is computed for one source (hub, fallback supplier or baseline path):
 *
 * 0. The start instant: the latest of the order instant, the drop's opening (`opens_at`: pre-orders
 *    ship from the opening, never before) and, for a hub promising units it has not received yet,
 *    their arrival there (`inbound_at`). A promise is never earlier than the stock can be there.
 *    `start_reason` says which of the three it was (`order`, `opening`, `arrival`; on a tie the
 *    first of that list).
 * 1. Start date, in the source's zone and calendar: the local date of the start instant. It makes
 *    that day only if it is a business day and the start instant is strictly before that day's
 *    cutoff instant (an order at 14:00:00 with cutoff "14:00" misses it). Otherwise work starts the
 *    next business day and `cutoff_applied` is true (also for a start on a weekend or holiday).
 *    A source without a cutoff accepts orders until local midnight.
 * 2. Ship date = start date + handling business days (0 = ships on the start date).
 * 3. The parcel leaves at the cutoff time on the ship date (23:59 without a cutoff); its dispatch
 *    date is that instant's local date in the BUYER's zone. This is what makes a hub across the date
 *    line come out right: a Los Angeles hub dispatching Monday 15:00 PDT hands over on Tuesday in
 *    Tokyo.
 * 4. Transit counts business days of the buyer region's calendar from the dispatch date:
 *    earliest = dispatch + transit_days_min business days, latest = dispatch + transit_days_max
 *    (a 0-day transit delivers on the dispatch date, or the next business day if that is not one).
 *
 * Which source serves (docs/allocation.md, docs/holds-and-promises.md): the region is served by the fastest hub whose lane
 * meets the promise and that holds enough available units for the whole quantity (no split
 * shipments); if it is out, the next hub in lane order; else the fallback supplier; else the
 * baseline path. Lane order, fastest first, with a deterministic tie rule:
 *   (a) handling_days + transit_days_max ascending, then
 *   (b) handling_days + transit_days_min ascending, then
 *   (c) hub id ascending (UTF-16 code-unit order, locale-independent), then
 *   (d) position in `hubs` (only decides between duplicate ids; ids should be unique per line, and
 *       the cart counts consumed stock by id).
 * The result therefore does not depend on the order the hubs are listed in. A hub whose lane misses
 * the promise still ranks before the supplier (lane order), and the answer says `meets_promise:
 * false`. Hubs without a lane to the region (`lane: null`) are never considered.
 *
 * `meets_promise` is a property of the chosen path, as in "a lane meets the promise":
 * handling_days + transit_days_max ≤ promise_business_days, counted from the start date. Whether
 * this particular order arrives within N business days of its order date is `days_max`.
 *
 * "Days" (`days_min`, `days_max`, the baseline's and the lead-time delta): business days of the
 * BUYER region's calendar from the buyer-local order date (exclusive) to the delivery date
 * (inclusive), i.e. businessDaysBetween(order date, delivery date). An order on Friday delivered on
 * Monday is 1 day; on Tuesday, 2. lead_time_delta.earliest = baseline.days_min − days_min and
 * lead_time_delta.latest = baseline.days_max − days_max; positive = faster than baseline.
 *
 * `expires_at` is the instant of the cutoff the order made (the chosen source's cutoff on the start
 * date; the next local midnight for a source without a cutoff): the first instant after the order
 * at which the estimate is sure to change. Stock can change it sooner.
 *
 * On hand and inbound (hubs): `available_units` are units the hub holds now and nobody has taken;
 * `inbound_units` are units placed there by the plan but not received yet, expected at `inbound_at`
 * (unknown: null, and then they are promised from the opening, before which the plan places them).
 * A line is served from what is on hand when that covers the whole quantity (`source_state:
 * on_hand`), else from on hand and inbound together, and then the promise starts no earlier than
 * the arrival (`source_state: inbound`, `inbound_expected_at`). Earlier lines of a cart take on-hand
 * units first. The baseline and supplier paths count their own handling days: always `on_hand`.
 */
import {
  addBusinessDays,
  businessDayOnOrAfter,
  businessDaysBetween,
  calendarOf,
  isBusinessDay,
  nextBusinessDay,
} from '../../../shared/business-calendar';
import type { BusinessCalendar, BusinessCalendarSpec } from '../../../shared/business-calendar';
import {
  MINUTES_PER_DAY,
  getZone,
  isoDateFromDayNumber,
  parseInstant,
  parseLocalTime,
} from '../../../shared/zoned-time';
import type { Zone } from '../../../shared/zoned-time';

// ---------------------------------------------------------------------------------------------
// Input

export interface DeliveryRegionInput extends BusinessCalendarSpec {
  /** ISO 3166-2 (e.g. `US-CA`) or a custom id */
  id: string;
  /** IANA zone, e.g. `America/Los_Angeles` */
  time_zone: string;
}

/** A hub's lane to the buyer region, in business days. */
export interface LaneInput {
  transit_days_min: number;
  transit_days_max: number;
}

export interface HubCandidate extends BusinessCalendarSpec {
  id: string;
  time_zone: string;
  /** order cutoff, local 24-hour `HH:MM` */
  cutoff_local: string;
  handling_days: number;
  /** the lane to this region, or null when the hub does not serve it */
  lane: LaneInput | null;
  /** live units of this SKU on hand at the hub, not held or reserved */
  available_units: number;
  /** units placed at the hub but not received yet, not held or reserved (default 0) */
  inbound_units?: number;
  /** when the inbound units are expected at the hub (ISO instant); null or absent: by the opening */
  inbound_at?: string | null;
}

/**
 * The fallback supplier path or the baseline path: handling and transit days for the region.
 * Without `time_zone` it runs on the buyer region's zone and calendar; with one, on that zone and
 * its own calendar (default Mon–Fri).
 */
export interface PathCandidate extends BusinessCalendarSpec {
  id: string;
  handling_days: number;
  transit_days_min: number;
  transit_days_max: number;
  time_zone?: string;
  /** local `HH:MM`; default none (orders count until local midnight) */
  cutoff_local?: string;
  /** default unconstrained */
  available_units?: number;
}

export interface DeliveryEstimateInput {
  /** the order instant, ISO 8601 with an offset; the core never reads the clock */
  ordered_at: string;
  quantity: number;
  region: DeliveryRegionInput;
  /** the drop's promise, e.g. 1 = one business day */
  promise_business_days: number;
  /** the drop's opening (ISO instant): nothing ships before it. Null or absent: no constraint */
  opens_at?: string | null;
  /** micro-hubs, any order (see lane order above) */
  hubs: readonly HubCandidate[];
  supplier?: PathCandidate | null;
  /** the no-micro-hub path; also the reference for the lead-time delta. Without it the delta is null. */
  baseline?: PathCandidate | null;
}

// ---------------------------------------------------------------------------------------------
// Output

export type DeliverySourceType = 'hub' | 'supplier' | 'baseline';
export type DeliverySourceState = 'on_hand' | 'inbound';
export type DeliveryStartReason = 'order' | 'opening' | 'arrival';

export interface DeliveryWindow {
  earliest_delivery: string;
  latest_delivery: string;
  days_min: number;
  days_max: number;
}

export interface DeliveryPromise {
  status: 'promise';
  region_id: string;
  quantity: number;
  source: { type: DeliverySourceType; id: string };
  /** whether the units are at the source now or still on their way there */
  source_state: DeliverySourceState;
  /** for inbound units: when they are expected at the hub (ISO instant), else null */
  inbound_expected_at: string | null;
  /** what set the start instant: the order, the drop's opening or the units' arrival */
  start_reason: DeliveryStartReason;
  handling_days: number;
  transit_days_min: number;
  transit_days_max: number;
  cutoff_applied: boolean;
  /** the date work starts, `YYYY-MM-DD` in the source's zone */
  start_date: string;
  /** `YYYY-MM-DD` in the buyer region's zone */
  earliest_delivery: string;
  latest_delivery: string;
  /** business days from the buyer-local order date, see the module comment */
  days_min: number;
  days_max: number;
  baseline: DeliveryWindow | null;
  /** baseline days − planned days at each end; positive = faster than baseline */
  lead_time_delta: { earliest: number; latest: number } | null;
  promise_business_days: number;
  meets_promise: boolean;
  /** ISO instant (UTC) */
  expires_at: string;
}

/**
 * - `no_source`: no hub, supplier or baseline was given at all;
 * - `no_lane`: hubs exist but none has a lane to the region, and there is no supplier or baseline;
 * - `out_of_stock`: some path reaches the region but none holds the quantity.
 */
export type NoPromiseReason = 'no_source' | 'no_lane' | 'out_of_stock';

export interface NoDeliveryPromise {
  status: 'no_promise';
  region_id: string;
  quantity: number;
  reason: NoPromiseReason;
  /** the most units any single reachable source could ship now (0 when none) */
  quantity_available: number;
  detail: string;
}

export type DeliveryEstimate = DeliveryPromise | NoDeliveryPromise;

export class DeliveryInputError extends RangeError {
  readonly code = 'invalid_delivery_input';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'DeliveryInputError';
  }
}

// ---------------------------------------------------------------------------------------------
// Estimation

/** Estimate one line. Throws DeliveryInputError on malformed input (bad zone, cutoff, counts). */
export function estimateDelivery(input: DeliveryEstimateInput): DeliveryEstimate {
  return estimateLine(input, input.ordered_at, input.region, null, '');
}

/** Units taken by earlier lines of a cart, keyed by stockKey(). */
type Consumption = Map<string, number>;

function stockKey(sku: string, type: DeliverySourceType, id: string): string {
  return sku + '\u0000' + type + '\u0000' + id;
}

function taken(consumed: Consumption | null, sku: string, type: DeliverySourceType, id: string): number {
  return consumed === null ? 0 : (consumed.get(stockKey(sku, type, id)) ?? 0);
}

interface LineInput {
  quantity: number;
  promise_business_days: number;
  opens_at?: string | null;
  hubs: readonly HubCandidate[];
  supplier?: PathCandidate | null;
  baseline?: PathCandidate | null;
}

// Module-level scratch for planPath's results: the core is synchronous and not re-entrant, so one
// record serves every call without allocating.
const scratch = { startDay: 0, cutoffApplied: false, expiresMs: 0, earliestDay: 0, latestDay: 0 };

/** A hub with a lane to the buyer's region, as lane order ranks it. */
export interface LaneRanked {
  id: string;
  handling_days: number;
  lane: { transit_days_min: number; transit_days_max: number };
}

/**
 * Lane order, fastest first (rules a–c above): handling + transit max, then handling + transit
 * min, then hub id in code-unit order. The one ordering of hubs: estimates pick the first hub with
 * stock by it, holds try hubs in it. Equal ids compare equal (a stable sort keeps their order).
 */
export function compareLaneOrder(a: LaneRanked, b: LaneRanked): number {
  return (
    a.handling_days + a.lane.transit_days_max - (b.handling_days + b.lane.transit_days_max) ||
    a.handling_days + a.lane.transit_days_min - (b.handling_days + b.lane.transit_days_min) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function estimateLine(
  line: LineInput,
  orderedAt: string,
  region: DeliveryRegionInput,
  consumed: Consumption | null,
  sku: string,
): DeliveryEstimate {
  let orderMs: number;
  try {
    orderMs = parseInstant(orderedAt);
  } catch (e) {
    throw asInputError('ordered_at', e);
  }
  const quantity = line.quantity;
  if (!Number.isInteger(quantity) || quantity < 1)
    throw new DeliveryInputError('quantity', 'must be a positive integer');
  const promise = line.promise_business_days;
  if (!Number.isInteger(promise) || promise < 0)
    throw new DeliveryInputError('promise_business_days', 'must be a non-negative integer');
  const buyerZone = zoneOf('region.time_zone', region.time_zone);
  const buyerCal = calendarFor('region', region);
  const opensMs = optionalInstant(line.opens_at, 'opens_at');

  // Pick the first hub in lane order with enough stock: one scan for the minimum, no sorting.
  const hubs = line.hubs;
  let best = -1;
  let anyLane = false;
  let maxAvailable = 0;
  for (let i = 0; i < hubs.length; i++) {
    const hub = hubs[i]!;
    checkDays(hub.handling_days, 'hubs[].handling_days');
    const lane = hub.lane;
    if (lane === null || lane === undefined) continue;
    checkTransit(lane.transit_days_min, lane.transit_days_max, 'hubs[].lane');
    anyLane = true;
    const available =
      checkUnits(hub.available_units, 'hubs[].available_units') +
      (hub.inbound_units === undefined ? 0 : checkUnits(hub.inbound_units, 'hubs[].inbound_units')) -
      taken(consumed, sku, 'hub', hub.id);
    if (available > maxAvailable) maxAvailable = available;
    if (available < quantity) continue;
    if (best < 0 || compareLaneOrder(hub as LaneRanked, hubs[best] as LaneRanked) < 0) best = i;
  }

  const supplier = line.supplier ?? null;
  const baseline = line.baseline ?? null;
  if (supplier !== null) checkPath(supplier, 'supplier');
  if (baseline !== null) checkPath(baseline, 'baseline');

  let type: DeliverySourceType;
  let id: string;
  let handling: number;
  let transitMin: number;
  let transitMax: number;
  let state: DeliverySourceState = 'on_hand';
  let inboundAt: string | null = null;
  // The start instant: the latest of the order, the opening and (inbound units) their arrival.
  let startMs = orderMs;
  let startReason: DeliveryStartReason = 'order';
  if (opensMs > startMs) {
    startMs = opensMs;
    startReason = 'opening';
  }
  if (best >= 0) {
    const hub = hubs[best]!;
    const lane = hub.lane!;
    type = 'hub';
    id = hub.id;
    handling = hub.handling_days;
    transitMin = lane.transit_days_min;
    transitMax = lane.transit_days_max;
    // Earlier cart lines took on-hand units first; what is left on hand may not cover this line.
    if (hub.available_units - taken(consumed, sku, 'hub', hub.id) < quantity) {
      state = 'inbound';
      const arrivalMs = optionalInstant(hub.inbound_at, 'hubs[].inbound_at');
      if (arrivalMs !== Number.NEGATIVE_INFINITY) inboundAt = new Date(arrivalMs).toISOString();
      if (arrivalMs > startMs) {
        startMs = arrivalMs;
        startReason = 'arrival';
      }
    }
    const zone = zoneOf('hubs[].time_zone', hub.time_zone);
    const cal = calendarFor('hubs[]', hub);
    planPath(
      startMs,
      zone,
      cal,
      cutoffOf(hub.cutoff_local, 'hubs[].cutoff_local'),
      handling,
      transitMin,
      transitMax,
      buyerZone,
      buyerCal,
    );
  } else {
    let path: PathCandidate;
    const supplierAvailable = supplier === null ? 0 : pathAvailable(supplier, consumed, sku, 'supplier');
    const baselineAvailable = baseline === null ? 0 : pathAvailable(baseline, consumed, sku, 'baseline');
    if (supplier !== null && supplierAvailable >= quantity) {
      path = supplier;
      type = 'supplier';
    } else if (baseline !== null && baselineAvailable >= quantity) {
      path = baseline;
      type = 'baseline';
    } else {
      // Both paths (where present) are finite here, or they would have been taken.
      maxAvailable = Math.max(maxAvailable, supplierAvailable, baselineAvailable);
      const reason: NoPromiseReason =
        hubs.length === 0 && supplier === null && baseline === null
          ? 'no_source'
          : !anyLane && supplier === null && baseline === null
            ? 'no_lane'
            : 'out_of_stock';
      return {
        status: 'no_promise',
        region_id: region.id,
        quantity,
        reason,
        quantity_available: Math.max(0, maxAvailable),
        detail: NO_PROMISE_DETAIL[reason],
      };
    }
    id = path.id;
    handling = path.handling_days;
    transitMin = path.transit_days_min;
    transitMax = path.transit_days_max;
    runPath(path, type, startMs, buyerZone, buyerCal);
  }

  const startDay = scratch.startDay;
  const cutoffApplied = scratch.cutoffApplied;
  const expiresMs = scratch.expiresMs;
  const earliestDay = scratch.earliestDay;
  const latestDay = scratch.latestDay;
  const orderDay = buyerZone.localDay(orderMs);
  const daysMin = businessDaysBetween(orderDay, earliestDay, buyerCal);
  const daysMax = businessDaysBetween(orderDay, latestDay, buyerCal);

  let baselineWindow: DeliveryWindow | null = null;
  let delta: { earliest: number; latest: number } | null = null;
  if (baseline !== null) {
    if (type === 'baseline') {
      baselineWindow = { earliest_delivery: '', latest_delivery: '', days_min: daysMin, days_max: daysMax };
    } else {
      // The baseline ships from the opening too: the delta compares like with like.
      runPath(baseline, 'baseline', Math.max(orderMs, opensMs), buyerZone, buyerCal);
      baselineWindow = {
        earliest_delivery: '',
        latest_delivery: '',
        days_min: businessDaysBetween(orderDay, scratch.earliestDay, buyerCal),
        days_max: businessDaysBetween(orderDay, scratch.latestDay, buyerCal),
      };
      baselineWindow.earliest_delivery = isoDateFromDayNumber(scratch.earliestDay);
      baselineWindow.latest_delivery = isoDateFromDayNumber(scratch.latestDay);
    }
    delta = { earliest: baselineWindow.days_min - daysMin, latest: baselineWindow.days_max - daysMax };
  }

  const earliest = isoDateFromDayNumber(earliestDay);
  const latest = isoDateFromDayNumber(latestDay);
  if (baselineWindow !== null && type === 'baseline') {
    baselineWindow.earliest_delivery = earliest;
    baselineWindow.latest_delivery = latest;
  }

  return {
    status: 'promise',
    region_id: region.id,
    quantity,
    source: { type, id },
    source_state: state,
    inbound_expected_at: inboundAt,
    start_reason: startReason,
    handling_days: handling,
    transit_days_min: transitMin,
    transit_days_max: transitMax,
    cutoff_applied: cutoffApplied,
    start_date: isoDateFromDayNumber(startDay),
    earliest_delivery: earliest,
    latest_delivery: latest,
    days_min: daysMin,
    days_max: daysMax,
    baseline: baselineWindow,
    lead_time_delta: delta,
    promise_business_days: promise,
    meets_promise: handling + transitMax <= promise,
    expires_at: new Date(expiresMs).toISOString(),
  };
}

const NO_PROMISE_DETAIL: Record<NoPromiseReason, string> = {
  no_source: 'no hub, supplier or baseline path is configured for this SKU',
  no_lane: 'no hub has a lane to this region and there is no supplier or baseline path',
  out_of_stock: 'no source that reaches this region holds the requested quantity',
};

function runPath(
  path: PathCandidate,
  type: DeliverySourceType,
  startMs: number,
  buyerZone: Zone,
  buyerCal: BusinessCalendar,
): void {
  const own = path.time_zone !== undefined;
  const zone = own
    ? zoneOf(type === 'supplier' ? 'supplier.time_zone' : 'baseline.time_zone', path.time_zone!)
    : buyerZone;
  // Without its own zone a path runs on the buyer's calendar unless it declares one.
  const cal =
    own || path.weekend_days !== undefined || path.holidays !== undefined ? calendarFor(type, path) : buyerCal;
  const cutoff =
    path.cutoff_local === undefined
      ? MINUTES_PER_DAY
      : cutoffOf(path.cutoff_local, type === 'supplier' ? 'supplier.cutoff_local' : 'baseline.cutoff_local');
  planPath(
    startMs,
    zone,
    cal,
    cutoff,
    path.handling_days,
    path.transit_days_min,
    path.transit_days_max,
    buyerZone,
    buyerCal,
  );
}

/**
 * The window of one path from its start instant, written to `scratch`. `cutoff` is minutes after
 * local midnight; MINUTES_PER_DAY means no cutoff.
 */
function planPath(
  startMs: number,
  zone: Zone,
  cal: BusinessCalendar,
  cutoff: number,
  handling: number,
  transitMin: number,
  transitMax: number,
  buyerZone: Zone,
  buyerCal: BusinessCalendar,
): void {
  const startDay = zone.localDay(startMs);
  let start = startDay;
  let applied = false;
  if (!isBusinessDay(startDay, cal) || startMs >= zone.wallTimeToInstant(startDay, cutoff)) {
    start = nextBusinessDay(startDay, cal);
    applied = true;
  }
  const ship = addBusinessDays(start, handling, cal);
  const dispatchMs = zone.wallTimeToInstant(ship, cutoff === MINUTES_PER_DAY ? MINUTES_PER_DAY - 1 : cutoff);
  const dispatchDay = buyerZone.localDay(dispatchMs);
  scratch.startDay = start;
  scratch.cutoffApplied = applied;
  scratch.expiresMs = zone.wallTimeToInstant(start, cutoff);
  scratch.earliestDay =
    transitMin === 0 ? businessDayOnOrAfter(dispatchDay, buyerCal) : addBusinessDays(dispatchDay, transitMin, buyerCal);
  scratch.latestDay =
    transitMax === 0 ? businessDayOnOrAfter(dispatchDay, buyerCal) : addBusinessDays(dispatchDay, transitMax, buyerCal);
}

// ---------------------------------------------------------------------------------------------
// Validation helpers (cheap; they run on every request)

// No closures here: these run on every request and should not allocate.

/** An optional ISO instant as ms since the epoch; absent or null is −∞ (no constraint). */
function optionalInstant(iso: string | null | undefined, field: string): number {
  if (iso === undefined || iso === null) return Number.NEGATIVE_INFINITY;
  try {
    return parseInstant(iso);
  } catch (e) {
    throw asInputError(field, e);
  }
}

function asInputError(field: string, e: unknown): DeliveryInputError {
  return e instanceof DeliveryInputError
    ? e
    : new DeliveryInputError(field, e instanceof Error ? e.message : String(e));
}

function zoneOf(field: string, name: string): Zone {
  try {
    return getZone(name);
  } catch (e) {
    throw asInputError(field, e);
  }
}

function calendarFor(field: string, owner: BusinessCalendarSpec): BusinessCalendar {
  try {
    return calendarOf(owner);
  } catch (e) {
    throw asInputError(field, e);
  }
}

function cutoffOf(hhmm: string, field: string): number {
  try {
    return parseLocalTime(hhmm);
  } catch (e) {
    throw asInputError(field, e);
  }
}

function checkDays(n: number, field: string): void {
  if (!isDayCount(n)) throw new DeliveryInputError(field, 'must be an integer number of business days 0..366');
}

// Field names are built only on failure, so a valid request allocates no strings here.
function checkTransit(min: number, max: number, field: string): void {
  if (!isDayCount(min)) checkDays(min, field + '.transit_days_min');
  if (!isDayCount(max)) checkDays(max, field + '.transit_days_max');
  if (min > max) throw new DeliveryInputError(field, 'transit_days_min must not exceed transit_days_max');
}

function isDayCount(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 366;
}

function checkUnits(n: number, field: string): number {
  if (typeof n !== 'number' || !(n >= 0)) throw new DeliveryInputError(field, 'must be a non-negative number of units');
  return n;
}

function checkPath(path: PathCandidate, field: string): void {
  if (!isDayCount(path.handling_days)) checkDays(path.handling_days, field + '.handling_days');
  checkTransit(path.transit_days_min, path.transit_days_max, field);
  const units = path.available_units;
  if (units !== undefined && !(typeof units === 'number' && units >= 0)) checkUnits(units, field + '.available_units');
}

function pathAvailable(
  path: PathCandidate,
  consumed: Consumption | null,
  sku: string,
  type: DeliverySourceType,
): number {
  return path.available_units === undefined
    ? Number.POSITIVE_INFINITY
    : path.available_units - taken(consumed, sku, type, path.id);
}

// ---------------------------------------------------------------------------------------------
// Cart

export const MAX_CART_LINES = 100;

export interface CartLineInput {
  /** stock is shared between lines with the same sku (and source); required to count it */
  sku: string;
  quantity: number;
  promise_business_days: number;
  /** the line's drop opening (ISO instant); see DeliveryEstimateInput */
  opens_at?: string | null;
  hubs: readonly HubCandidate[];
  supplier?: PathCandidate | null;
  baseline?: PathCandidate | null;
}

export interface CartEstimateInput {
  ordered_at: string;
  region: DeliveryRegionInput;
  lines: readonly CartLineInput[];
}

export interface CartLineEstimate {
  index: number;
  sku: string;
  estimate: DeliveryEstimate;
}

export interface CartEstimate {
  lines: CartLineEstimate[];
  summary: {
    /** every line has a promise / some do / none do */
    status: 'promise' | 'partial' | 'no_promise';
    /** the last line's earliest / latest delivery (the cart is complete then); null without any promise */
    earliest_delivery: string | null;
    latest_delivery: string | null;
    /** every line has a promise and meets it */
    all_meet_promise: boolean;
    /** the earliest expiry among lines with a promise */
    expires_at: string | null;
  };
}

/**
 * Estimate a cart of up to MAX_CART_LINES lines for one buyer, region and order instant.
 *
 * Lines are estimated independently, in the order given, with one twist: units a line takes from a
 * source are no longer available to later lines of the same SKU at that source (earlier lines have
 * priority; nothing is re-optimised across lines). So two lines of 3 units of the same SKU against a
 * hub with 5 units give the first line the hub and send the second to the next source. Lines of
 * different SKUs never share stock. The caller's objects are not mutated.
 */
export function estimateCart(cart: CartEstimateInput): CartEstimate {
  const lines = cart.lines;
  if (lines.length > MAX_CART_LINES) throw new DeliveryInputError('lines', `at most ${MAX_CART_LINES} lines per cart`);
  const consumed: Consumption = new Map();
  const out: CartLineEstimate[] = [];
  let promised = 0;
  let allMeet = lines.length > 0;
  let earliest: string | null = null;
  let latest: string | null = null;
  let expires: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (typeof line.sku !== 'string' || line.sku.length === 0)
      throw new DeliveryInputError(`lines[${i}].sku`, 'must be a non-empty string');
    const estimate = estimateLine(line, cart.ordered_at, cart.region, consumed, line.sku);
    out.push({ index: i, sku: line.sku, estimate });
    if (estimate.status === 'promise') {
      promised++;
      const key = stockKey(line.sku, estimate.source.type, estimate.source.id);
      consumed.set(key, (consumed.get(key) ?? 0) + estimate.quantity);
      if (!estimate.meets_promise) allMeet = false;
      // ISO dates and UTC ISO instants with 4-digit years compare correctly as strings.
      if (earliest === null || estimate.earliest_delivery > earliest) earliest = estimate.earliest_delivery;
      if (latest === null || estimate.latest_delivery > latest) latest = estimate.latest_delivery;
      if (expires === null || estimate.expires_at < expires) expires = estimate.expires_at;
    } else {
      allMeet = false;
    }
  }
  return {
    lines: out,
    summary: {
      status: promised === lines.length && lines.length > 0 ? 'promise' : promised > 0 ? 'partial' : 'no_promise',
      earliest_delivery: earliest,
      latest_delivery: latest,
      all_meet_promise: allMeet,
      expires_at: expires,
    },
  };
}
