import type { Queryable } from '../../db/database';
import { arrayLiteral, copyFloat, copyText, copyTextOrNull } from '../../db/copy-text';
import type { Schemas } from '../../http/contract';
import { afterKey, type PageRequest } from '../../http/pagination';

/** Plans SQL, one intent-named query per function, no business rules. */

/**
 * A large plan's rows go in statements of a few thousand: each one is serialised in a few
 * milliseconds, and the event loop serves other requests while the database writes it.
 */
const INSERT_CHUNK_ROWS = 4_000;
const COPY_PLAN_REGIONS = `copy plan_regions (plan_id, region_id, sku_id, serving_hub_id, candidate_hub_ids, in_stock_probability,
  delivery_days_p50, delivery_days_p90, baseline_days, lead_time_delta_days, lead_time_delta_days_p90) from stdin`;

/** Plan region rows as lines of COPY text (COPY_PLAN_REGIONS). */
function regionCopyLines(planId: string, rows: readonly RegionRow[]): string {
  const plan = copyText(planId);
  let text = '';
  for (const r of rows)
    text += `${plan}\t${copyText(r.region_id)}\t${copyText(r.sku_id)}\t${copyTextOrNull(r.serving_hub_id)}\t${copyText(arrayLiteral(r.candidate_hub_ids))}\t${copyFloat(r.in_stock_probability)}\t${copyFloat(r.delivery_days_p50)}\t${copyFloat(r.delivery_days_p90)}\t${copyFloat(r.baseline_days)}\t${copyFloat(r.lead_time_delta_days)}\t${copyFloat(r.lead_time_delta_days_p90)}\n`;
  return text;
}

/** The same rows as one statement over JSON, where COPY is not offered (PGlite). */
async function insertRegionsAsJson(tx: Queryable, planId: string, rows: readonly RegionRow[]) {
  // candidate_hub_ids is an array per row: unnest cannot take an array of arrays of varying length, so it travels as JSON.
  await tx.query(
    `insert into plan_regions (plan_id, region_id, sku_id, serving_hub_id, candidate_hub_ids, in_stock_probability, delivery_days_p50,
       delivery_days_p90, baseline_days, lead_time_delta_days, lead_time_delta_days_p90)
     select $1, r.region_id, r.sku_id, r.serving_hub_id,
       coalesce((select array_agg(c order by o) from jsonb_array_elements_text(r.candidate_hub_ids) with ordinality as x(c, o)), '{}'),
       r.in_stock_probability, r.delivery_days_p50, r.delivery_days_p90, r.baseline_days, r.lead_time_delta_days, r.lead_time_delta_days_p90
     from jsonb_to_recordset($2::jsonb) as r(region_id text, sku_id text, serving_hub_id text, candidate_hub_ids jsonb,
       in_stock_probability float8, delivery_days_p50 float8, delivery_days_p90 float8, baseline_days float8,
       lead_time_delta_days float8, lead_time_delta_days_p90 float8)`,
    [planId, JSON.stringify(rows)],
  );
}

function* chunksOf<T>(rows: readonly T[]): Generator<T[]> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS)
    yield rows.slice(start, start + INSERT_CHUNK_ROWS);
}
export type PlanStatus = Schemas['PlanStatus'];
export interface PlanRow {
  id: string;
  drop_id: string;
  version: number;
  status: PlanStatus;
  forecast_id: string | null;
  catalog_snapshot: unknown;
  overrides: unknown;
  solver: unknown;
  totals: unknown;
  unserved_regions: unknown;
  sku_issues: unknown;
  created_at: Date;
  published_at: Date | null;
  superseded_at: Date | null;
}
export interface AllocationRow {
  sku_id: string;
  hub_id: string;
  units: number;
}
export interface SupplierOrderRow {
  line_no: number;
  supplier_id: string;
  sku_id: string;
  quantity: number;
  destination_hub_id: string;
  ship_by: Date;
  arrive_by: Date;
  is_fallback: boolean;
  reason: string;
  premium: number;
}
export interface RegionRow {
  region_id: string;
  sku_id: string;
  serving_hub_id: string | null;
  candidate_hub_ids: string[];
  in_stock_probability: number;
  delivery_days_p50: number | null;
  delivery_days_p90: number | null;
  baseline_days: number | null;
  lead_time_delta_days: number | null;
  lead_time_delta_days_p90: number | null;
}
export interface NewPlan {
  id: string;
  drop_id: string;
  version: number;
  status: 'draft' | 'what_if';
  forecast_id: string;
  catalog_snapshot: unknown;
  overrides: unknown;
  solver: unknown;
  totals: unknown;
  unserved_regions: unknown;
  sku_issues: unknown;
  created_at: Date;
}
/**
 * A draft to count as its drop's published plan (and that drop's other plans not at all): what the
 * other drops' capacity looks like once it is published.
 */
export interface AssumedPublished {
  dropId: string;
  planId: string;
}

/**
 * The plans of the other drops $1 (those whose window overlaps this drop's, the catalog's answer):
 * their published plan and (unless $2, published only) their latest draft, each ranked 1 within its
 * status; with an assumed plan ($3 drop, $4 plan), that drop counts with that plan alone.
 */
const otherDropPlans = `
  select p.id, p.drop_id, p.status,
         row_number() over (partition by p.drop_id, p.status order by p.version desc) as rank
  from plans p
  where p.drop_id = any($1::text[])
    and (($3::text is null or p.drop_id <> $3) and (p.status = 'published' or (not $2 and p.status = 'draft'))
         or p.id = $4::text)`;
const otherDropPlansParams = (otherDropIds: readonly string[], publishedOnly: boolean, assumed?: AssumedPublished) => [
  otherDropIds,
  publishedOnly,
  assumed?.dropId ?? null,
  assumed?.planId ?? null,
];

const planColumns = `id, drop_id, version, status, forecast_id, catalog_snapshot, overrides, solver, totals, unserved_regions, sku_issues,
  created_at, published_at, superseded_at`;
const summaryColumns = `id, drop_id, version, status, forecast_id, overrides, solver, totals, created_at, published_at, superseded_at`;

export const allocationRepository = {
  async nextPlanVersion(tx: Queryable, dropId: string) {
    return (
      await tx.query<{ v: number }>('select coalesce(max(version), 0) + 1 as v from plans where drop_id = $1', [dropId])
    ).rows[0]!.v;
  },
  async insertPlan(tx: Queryable, p: NewPlan) {
    await tx.query(
      `insert into plans (id, drop_id, version, status, forecast_id, catalog_snapshot, overrides, solver, totals, unserved_regions, sku_issues, created_at)
       values ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9::jsonb, $10::jsonb, $11::jsonb, $12)`,
      [
        p.id,
        p.drop_id,
        p.version,
        p.status,
        p.forecast_id,
        JSON.stringify(p.catalog_snapshot),
        JSON.stringify(p.overrides),
        JSON.stringify(p.solver),
        JSON.stringify(p.totals),
        JSON.stringify(p.unserved_regions),
        JSON.stringify(p.sku_issues),
        p.created_at,
      ],
    );
  },
  async insertAllocations(tx: Queryable, planId: string, rows: AllocationRow[]) {
    for (const chunk of chunksOf(rows)) {
      await tx.query(
        `insert into plan_allocations (plan_id, sku_id, hub_id, units)
         select $1, * from unnest($2::text[], $3::text[], $4::int[])`,
        [planId, chunk.map((r) => r.sku_id), chunk.map((r) => r.hub_id), chunk.map((r) => r.units)],
      );
    }
  },
  async insertSupplierOrders(
    tx: Queryable,
    planId: string,
    rows: (Omit<SupplierOrderRow, 'ship_by' | 'arrive_by'> & { ship_by: string; arrive_by: string })[],
  ) {
    if (rows.length === 0) return;
    await tx.query(
      `insert into plan_supplier_orders (plan_id, line_no, supplier_id, sku_id, quantity, destination_hub_id, ship_by, arrive_by, is_fallback, reason, premium)
       select $1, * from unnest($2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::boolean[], $10::text[], $11::float8[])`,
      [
        planId,
        rows.map((r) => r.line_no),
        rows.map((r) => r.supplier_id),
        rows.map((r) => r.sku_id),
        rows.map((r) => r.quantity),
        rows.map((r) => r.destination_hub_id),
        rows.map((r) => r.ship_by),
        rows.map((r) => r.arrive_by),
        rows.map((r) => r.is_fallback),
        rows.map((r) => r.reason),
        rows.map((r) => r.premium),
      ],
    );
  },
  /**
   * A plan's rows per region and SKU (50,000 for 1,000 SKUs × 50 regions), in pieces of
   * INSERT_CHUNK_ROWS; `afterPiece` is awaited after each with the time the piece took (the plan
   * store paces the writes with it). On PostgreSQL each piece is one COPY in text format: the
   * server parses each value once, where the JSON path (PGlite) costs it several times the CPU.
   */
  async insertRegions(
    tx: Queryable,
    planId: string,
    rows: RegionRow[],
    afterPiece: (elapsedMs: number) => Promise<void> = async () => {},
  ) {
    for (const chunk of chunksOf(rows)) {
      const started = performance.now();
      if (tx.copyFrom) await tx.copyFrom(COPY_PLAN_REGIONS, [regionCopyLines(planId, chunk)]);
      else await insertRegionsAsJson(tx, planId, chunk);
      await afterPiece(performance.now() - started);
    }
  },

  async findPlan(db: Queryable, planId: string) {
    return (await db.query<PlanRow>(`select ${planColumns} from plans where id = $1`, [planId])).rows[0];
  },
  /** Newest version first; the page key is the version. */
  async listPlans(db: Queryable, dropId: string, status: string | undefined, page: PageRequest) {
    return (
      await db.query<Omit<PlanRow, 'catalog_snapshot' | 'unserved_regions' | 'sku_issues'>>(
        `select ${summaryColumns} from plans where drop_id = $1 and ($2::text is null or status = $2)
           and ($3::int is null or version < $3::int) order by version desc limit $4`,
        [dropId, status ?? null, ...afterKey(page, 1), page.limit + 1],
      )
    ).rows;
  },
  /**
   * Units other drops' plans hold at each hub while their stock is on hand at the same time as
   * this drop's: per other drop whose window overlaps it (`otherDropIds`), the larger of its
   * published plan and its latest draft (`published_only`: the published plan alone).
   */
  async listHubUnitsHeldByOtherDrops(
    db: Queryable,
    otherDropIds: readonly string[],
    publishedOnly: boolean,
    assumed?: AssumedPublished,
  ) {
    return (
      await db.query<{ hub_id: string; units: number; drop_ids: string[] }>(
        `with candidate as (${otherDropPlans}), per_drop as (
           select c.drop_id, a.hub_id, max(a.units_at_hub) as units
           from candidate c
           join (select plan_id, hub_id, sum(units)::int as units_at_hub from plan_allocations group by plan_id, hub_id) a
             on a.plan_id = c.id
           where c.rank = 1
           group by c.drop_id, a.hub_id
         )
         select hub_id, sum(units)::int as units, array_agg(drop_id order by drop_id) as drop_ids
         from per_drop where units > 0 group by hub_id order by hub_id`,
        otherDropPlansParams(otherDropIds, publishedOnly, assumed),
      )
    ).rows;
  },
  /**
   * Units other drops' plans order from each supplier over an overlapping window: per other drop
   * (`otherDropIds`), the larger of its published plan's and its latest draft's orders
   * (`publishedOnly`: the published plan alone).
   */
  async listSupplierUnitsHeldByOtherDrops(
    db: Queryable,
    otherDropIds: readonly string[],
    publishedOnly = false,
    assumed?: AssumedPublished,
  ) {
    return (
      await db.query<{ supplier_id: string; units: number; drop_ids: string[] }>(
        `with candidate as (${otherDropPlans}), per_drop as (
           select c.drop_id, o.supplier_id, max(o.units) as units
           from candidate c
           join (select plan_id, supplier_id, sum(quantity)::int as units from plan_supplier_orders group by plan_id, supplier_id) o
             on o.plan_id = c.id
           where c.rank = 1
           group by c.drop_id, o.supplier_id
         )
         select supplier_id, sum(units)::int as units, array_agg(drop_id order by drop_id) as drop_ids
         from per_drop where units > 0 group by supplier_id order by supplier_id`,
        otherDropPlansParams(otherDropIds, publishedOnly, assumed),
      )
    ).rows;
  },
  /**
   * The same by ship date (the UTC day of ship-by, YYYY-MM-DD): units other drops' plans order from
   * each supplier shipping on each day (per other drop and day, the larger of its published plan and
   * its latest draft; `publishedOnly`: the published plan alone).
   */
  async listSupplierUnitsByDateHeldByOtherDrops(
    db: Queryable,
    otherDropIds: readonly string[],
    publishedOnly = false,
    assumed?: AssumedPublished,
  ) {
    return (
      await db.query<{ supplier_id: string; date: string; units: number; drop_ids: string[] }>(
        `with candidate as (${otherDropPlans}), per_drop as (
           select c.drop_id, o.supplier_id, o.date, max(o.units) as units
           from candidate c
           join (select plan_id, supplier_id, to_char((ship_by at time zone 'UTC')::date, 'YYYY-MM-DD') as date,
                        sum(quantity)::int as units
                 from plan_supplier_orders group by plan_id, supplier_id, 3) o
             on o.plan_id = c.id
           where c.rank = 1
           group by c.drop_id, o.supplier_id, o.date
         )
         select supplier_id, date, sum(units)::int as units, array_agg(drop_id order by drop_id) as drop_ids
         from per_drop where units > 0 group by supplier_id, date order by supplier_id, date`,
        otherDropPlansParams(otherDropIds, publishedOnly, assumed),
      )
    ).rows;
  },
  /** Units a plan orders from each supplier by ship date (the UTC day of ship-by, YYYY-MM-DD). */
  async listSupplierUnitsByDateOfPlan(db: Queryable, planId: string) {
    return (
      await db.query<{ supplier_id: string; date: string; units: number }>(
        `select supplier_id, to_char((ship_by at time zone 'UTC')::date, 'YYYY-MM-DD') as date, sum(quantity)::int as units
         from plan_supplier_orders where plan_id = $1 group by 1, 2 order by 1, 2`,
        [planId],
      )
    ).rows;
  },
  /** Units a plan orders from each supplier (over all its SKUs and hubs). */
  async listSupplierUnitsOfPlan(db: Queryable, planId: string) {
    return (
      await db.query<{ supplier_id: string; units: number }>(
        `select supplier_id, sum(quantity)::int as units from plan_supplier_orders where plan_id = $1
         group by supplier_id order by supplier_id`,
        [planId],
      )
    ).rows;
  },
  /** Units a plan places at each hub. */
  async listHubUnitsOfPlan(db: Queryable, planId: string) {
    return (
      await db.query<{ hub_id: string; units: number }>(
        'select hub_id, sum(units)::int as units from plan_allocations where plan_id = $1 group by hub_id order by hub_id',
        [planId],
      )
    ).rows;
  },
  async findPublishedPlan(db: Queryable, dropId: string) {
    return (
      await db.query<PlanRow>(`select ${planColumns} from plans where drop_id = $1 and status = 'published'`, [dropId])
    ).rows[0];
  },
  /** The published plan of every drop that has one. */
  async listPublishedPlanIds(db: Queryable) {
    return (await db.query<{ drop_id: string; id: string }>("select drop_id, id from plans where status = 'published'"))
      .rows;
  },
  /** The published plan, else (when `publishedOnly` is false) the newest draft. */
  async findPublishedOrNewestDraft(db: Queryable, dropId: string, publishedOnly: boolean) {
    return (
      await db.query<Pick<PlanRow, 'id' | 'status' | 'version'>>(
        `select id, status, version from plans
         where drop_id = $1 and (status = 'published' or (not $2 and status = 'draft'))
         order by (status = 'published') desc, version desc limit 1`,
        [dropId, publishedOnly],
      )
    ).rows[0];
  },
  /** The plan in force at a drop's close: the published one, else the one superseded last. */
  async findPlanInForce(db: Queryable, dropId: string) {
    return (
      await db.query<{ id: string; sku_issues: { sku_id: string; reason: string }[] }>(
        `select id, sku_issues from plans where drop_id = $1 and status in ('published', 'superseded')
         order by (status = 'published') desc, version desc limit 1`,
        [dropId],
      )
    ).rows[0];
  },
  /**
   * When the published plans' supplier orders bring each SKU to each hub: the latest arrive-by of
   * the orders for that hub and SKU (every inbound unit is there by then).
   */
  async listPublishedInboundArrivals(db: Queryable) {
    return (
      await db.query<{ hub_id: string; sku_id: string; arrive_by: Date }>(
        `select o.destination_hub_id as hub_id, o.sku_id, max(o.arrive_by) as arrive_by
         from plan_supplier_orders o join plans p on p.id = o.plan_id
         where p.status = 'published'
         group by o.destination_hub_id, o.sku_id`,
      )
    ).rows;
  },
  async listAllocations(db: Queryable, planId: string, hubIds?: string[]) {
    return (
      await db.query<AllocationRow>(
        'select sku_id, hub_id, units from plan_allocations where plan_id = $1 and ($2::text[] is null or hub_id = any($2::text[])) order by sku_id, hub_id',
        [planId, hubIds ?? null],
      )
    ).rows;
  },
  async listSupplierOrders(db: Queryable, planId: string, hubIds?: string[]) {
    return (
      await db.query<SupplierOrderRow>(
        `select line_no, supplier_id, sku_id, quantity, destination_hub_id, ship_by, arrive_by, is_fallback, reason, premium
         from plan_supplier_orders where plan_id = $1 and ($2::text[] is null or destination_hub_id = any($2::text[])) order by line_no`,
        [planId, hubIds ?? null],
      )
    ).rows;
  },
  async listRegions(db: Queryable, planId: string) {
    return (
      await db.query<RegionRow>(
        `select region_id, sku_id, serving_hub_id, candidate_hub_ids, in_stock_probability, delivery_days_p50, delivery_days_p90, baseline_days,
           lead_time_delta_days, lead_time_delta_days_p90
         from plan_regions where plan_id = $1 order by region_id, sku_id`,
        [planId],
      )
    ).rows;
  },
  /** Hubs a plan involves: holding an allocation or receiving a supplier order. */
  async listInvolvedHubIds(db: Queryable, planId: string) {
    const { rows } = await db.query<{ hub_id: string }>(
      `select hub_id from plan_allocations where plan_id = $1 and units > 0
       union select destination_hub_id from plan_supplier_orders where plan_id = $1 order by 1`,
      [planId],
    );
    return rows.map((r) => r.hub_id);
  },
  async supersedePublished(tx: Queryable, dropId: string, at: Date) {
    return (
      await tx.query<{ id: string }>(
        `update plans set status = 'superseded', superseded_at = $2 where drop_id = $1 and status = 'published' returning id`,
        [dropId, at],
      )
    ).rows[0]?.id;
  },
  async markPublished(tx: Queryable, planId: string, at: Date) {
    await tx.query(`update plans set status = 'published', published_at = $2 where id = $1`, [planId, at]);
  },

  /** The draft a what-if plan was saved as, if it was. */
  async findSavedDraftId(db: Queryable, whatIfPlanId: string) {
    return (
      await db.query<{ draft_plan_id: string }>(
        'select draft_plan_id from plan_saved_drafts where what_if_plan_id = $1',
        [whatIfPlanId],
      )
    ).rows[0]?.draft_plan_id;
  },
  async insertSavedDraft(tx: Queryable, whatIfPlanId: string, draftPlanId: string, at: Date) {
    await tx.query('insert into plan_saved_drafts (what_if_plan_id, draft_plan_id, created_at) values ($1, $2, $3)', [
      whatIfPlanId,
      draftPlanId,
      at,
    ]);
  },
  async insertReplanProposal(
    db: Queryable,
    row: {
      id: string;
      drop_id: string;
      plan_id: string | null;
      forecast_id: string;
      proposal: unknown;
      created_at: Date;
    },
  ) {
    await db.query(
      'insert into replan_proposals (id, drop_id, plan_id, forecast_id, proposal, created_at) values ($1, $2, $3, $4, $5::jsonb, $6)',
      [row.id, row.drop_id, row.plan_id, row.forecast_id, JSON.stringify(row.proposal), row.created_at],
    );
  },
  async findLatestReplanProposal(db: Queryable, dropId: string) {
    return (
      await db.query<{ proposal: unknown }>(
        'select proposal from replan_proposals where drop_id = $1 order by created_at desc limit 1',
        [dropId],
      )
    ).rows[0];
  },
};
