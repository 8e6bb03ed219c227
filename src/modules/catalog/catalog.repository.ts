import type { Queryable } from '../../db/database';
import { afterKey, type PageRequest } from '../../http/pagination';
import type { DropInput, HubInput, RegionInput, SkuInput, SupplierInput } from './catalog.schemas';

/**
 * Catalog SQL, one intent-named query per function, no business rules. Rows come back in the
 * contract's field names; timestamps as Date (the service formats them).
 */
interface Timestamps {
  created_at: Date;
  updated_at: Date;
}
export type CreatorRow = { id: string; name: string } & Timestamps;
export type PartnerRow = CreatorRow;
export type RegionRow = {
  id: string;
  name: string;
  time_zone: string;
  weekend_days: number[];
  postal_prefixes: string[];
  latitude: number | null;
  longitude: number | null;
  cost_shifts: CostShiftRow[];
} & Timestamps;
export type CostShiftRow = { from: string; to: string; surcharge?: number; multiplier?: number };
export type LaneRow = {
  region_id: string;
  transit_days_min: number;
  transit_days_max: number;
  shipping_cost_per_unit: number;
  shipping_cost_per_shipment: number;
  cost_shifts: CostShiftRow[];
};
export type HubRow = Omit<HubInput, 'lanes' | 'latitude' | 'longitude'> & {
  id: string;
  lanes: LaneRow[];
  latitude: number | null;
  longitude: number | null;
} & Timestamps;
export type SupplierRow = Omit<SupplierInput, 'fallback_premium_per_unit' | 'inbound_freight' | 'capacity_by_date'> & {
  id: string;
  fallback_premium_per_unit: number;
  inbound_freight: { hub_id: string; cost_per_unit: number }[];
  capacity_by_date: { date: string; units: number }[];
} & Timestamps;
export type DropRow = Omit<DropInput, 'opens_at' | 'closes_at'> & {
  id: string;
  opens_at: Date;
  closes_at: Date;
} & Timestamps;
export type SkuRow = SkuInput & { id: string; drop_id: string } & Timestamps;
/** A SKU with what a delivery promise needs of its drop (the estimates' snapshot). */
export interface SkuDropPromiseRow {
  id: string;
  drop_id: string;
  creator_id: string;
  promise_business_days: number;
  opens_at: Date;
  baseline: { region_id: string; handling_days: number; transit_days_min: number; transit_days_max: number }[];
}

const regionSelect = `
  select r.id, r.name, r.time_zone, r.weekend_days, r.latitude, r.longitude, r.cost_shifts, r.created_at, r.updated_at,
    coalesce((select array_agg(p.prefix order by p.prefix) from region_postal_prefixes p where p.region_id = r.id), '{}') as postal_prefixes
  from regions r`;

const hubSelect = `
  select h.id, h.name, h.operator_partner_id, h.capacity_units, h.time_zone, h.order_cutoff_local, h.handling_days,
    h.latitude, h.longitude, h.created_at, h.updated_at,
    coalesce((select json_agg(json_build_object('region_id', l.region_id, 'transit_days_min', l.transit_days_min,
      'transit_days_max', l.transit_days_max, 'shipping_cost_per_unit', l.shipping_cost_per_unit,
      'shipping_cost_per_shipment', l.shipping_cost_per_shipment, 'cost_shifts', l.cost_shifts)
      order by l.position) from hub_lanes l where l.hub_id = h.id), '[]') as lanes
  from hubs h`;

const supplierSelect = `
  select id, name, kind, lead_time_days_min, lead_time_days_max, capacity_units, unit_cost, min_order_units, order_multiple,
    fallback_premium_per_unit, inbound_freight, capacity_by_date, created_at, updated_at
  from suppliers`;

const dropSelect = `
  select d.id, d.creator_id, d.name, d.opens_at, d.closes_at, d.promise_business_days, d.status, d.created_at, d.updated_at,
    json_build_object('source', d.baseline_source, 'paths', coalesce((select json_agg(json_build_object(
      'region_id', b.region_id, 'handling_days', b.handling_days, 'transit_days_min', b.transit_days_min,
      'transit_days_max', b.transit_days_max) order by b.region_id) from drop_baseline_paths b where b.drop_id = d.id), '[]')) as baseline
  from drops d`;

const skuSelect = `
  select s.id, s.drop_id, s.name, s.price, s.unit_cost, s.created_at, s.updated_at,
    coalesce((select json_agg(json_build_object('supplier_id', o.supplier_id, 'units_available', o.units_available,
      'available_on', o.available_on) order by o.priority) from sku_sourcing o where o.sku_id = s.id), '[]') as sourcing
  from skus s`;

export const catalogRepository = {
  async findCreator(db: Queryable, id: string) {
    return (await db.query<CreatorRow>('select id, name, created_at, updated_at from creators where id = $1', [id]))
      .rows[0];
  },
  async upsertCreator(db: Queryable, id: string, name: string) {
    await db.query(
      `insert into creators (id, name) values ($1, $2)
       on conflict (id) do update set name = excluded.name, updated_at = now()`,
      [id, name],
    );
  },

  async findPartner(db: Queryable, id: string) {
    return (await db.query<PartnerRow>('select id, name, created_at, updated_at from partners where id = $1', [id]))
      .rows[0];
  },
  async upsertPartner(db: Queryable, id: string, name: string) {
    await db.query(
      `insert into partners (id, name) values ($1, $2)
       on conflict (id) do update set name = excluded.name, updated_at = now()`,
      [id, name],
    );
  },

  async findRegion(db: Queryable, id: string) {
    return (await db.query<RegionRow>(`${regionSelect} where r.id = $1`, [id])).rows[0];
  },
  async listRegions(db: Queryable) {
    return (await db.query<RegionRow>(`${regionSelect} order by r.id`)).rows;
  },
  async findExistingRegionIds(db: Queryable, ids: string[]) {
    const { rows } = await db.query<{ id: string }>('select id from regions where id = any($1::text[])', [ids]);
    return new Set(rows.map((row) => row.id));
  },
  /** Prefixes in `prefixes` already owned by a region other than `regionId`. */
  async findPostalPrefixesOwnedElsewhere(db: Queryable, regionId: string, prefixes: string[]) {
    const { rows } = await db.query<{ prefix: string; region_id: string }>(
      'select prefix, region_id from region_postal_prefixes where prefix = any($1::text[]) and region_id <> $2',
      [prefixes, regionId],
    );
    return rows;
  },
  async upsertRegion(
    db: Queryable,
    id: string,
    region: Omit<RegionInput, 'latitude' | 'longitude' | 'cost_shifts'> & {
      cost_shifts: CostShiftRow[];
      weekend_days: number[];
      postal_prefixes: string[];
      latitude: number | null;
      longitude: number | null;
    },
  ) {
    await db.query(
      `insert into regions (id, name, time_zone, weekend_days, latitude, longitude, cost_shifts)
       values ($1, $2, $3, $4::int[], $5, $6, $7::jsonb)
       on conflict (id) do update set name = excluded.name, time_zone = excluded.time_zone,
         weekend_days = excluded.weekend_days, latitude = excluded.latitude, longitude = excluded.longitude,
         cost_shifts = excluded.cost_shifts, updated_at = now()`,
      [
        id,
        region.name,
        region.time_zone,
        region.weekend_days,
        region.latitude,
        region.longitude,
        JSON.stringify(region.cost_shifts),
      ],
    );
    await db.query('delete from region_postal_prefixes where region_id = $1', [id]);
    await db.query('insert into region_postal_prefixes (prefix, region_id) select unnest($1::text[]), $2', [
      region.postal_prefixes,
      id,
    ]);
  },

  async findHub(db: Queryable, id: string) {
    return (await db.query<HubRow>(`${hubSelect} where h.id = $1`, [id])).rows[0];
  },
  async listHubs(db: Queryable, operatorPartnerId?: string) {
    return (
      await db.query<HubRow>(`${hubSelect} where ($1::text is null or h.operator_partner_id = $1) order by h.id`, [
        operatorPartnerId ?? null,
      ])
    ).rows;
  },
  async upsertHub(
    db: Queryable,
    id: string,
    hub: Omit<HubInput, 'latitude' | 'longitude'> & { latitude: number | null; longitude: number | null },
  ) {
    await db.query(
      `insert into hubs (id, name, operator_partner_id, capacity_units, time_zone, order_cutoff_local, handling_days,
         latitude, longitude)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       on conflict (id) do update set name = excluded.name, operator_partner_id = excluded.operator_partner_id,
         capacity_units = excluded.capacity_units, time_zone = excluded.time_zone,
         order_cutoff_local = excluded.order_cutoff_local, handling_days = excluded.handling_days,
         latitude = excluded.latitude, longitude = excluded.longitude, updated_at = now()`,
      [
        id,
        hub.name,
        hub.operator_partner_id,
        hub.capacity_units,
        hub.time_zone,
        hub.order_cutoff_local,
        hub.handling_days,
        hub.latitude,
        hub.longitude,
      ],
    );
    await db.query('delete from hub_lanes where hub_id = $1', [id]);
    await db.query(
      `insert into hub_lanes (hub_id, region_id, position, transit_days_min, transit_days_max,
         shipping_cost_per_unit, shipping_cost_per_shipment, cost_shifts)
       select $1, region_id, position - 1, transit_days_min, transit_days_max, per_unit, per_shipment, shifts::jsonb
       from unnest($2::text[], $3::int[], $4::int[], $5::numeric[], $6::numeric[], $7::text[]) with ordinality
         as lane(region_id, transit_days_min, transit_days_max, per_unit, per_shipment, shifts, position)`,
      [
        id,
        hub.lanes.map((l) => l.region_id),
        hub.lanes.map((l) => l.transit_days_min),
        hub.lanes.map((l) => l.transit_days_max),
        hub.lanes.map((l) => l.shipping_cost_per_unit ?? 0),
        hub.lanes.map((l) => l.shipping_cost_per_shipment ?? 0),
        hub.lanes.map((l) => JSON.stringify(l.cost_shifts ?? [])),
      ],
    );
  },

  async findSupplier(db: Queryable, id: string) {
    return (await db.query<SupplierRow>(`${supplierSelect} where id = $1`, [id])).rows[0];
  },
  async listSuppliers(db: Queryable) {
    return (await db.query<SupplierRow>(`${supplierSelect} order by id`)).rows;
  },
  async findExistingSupplierIds(db: Queryable, ids: string[]) {
    const { rows } = await db.query<{ id: string }>('select id from suppliers where id = any($1::text[])', [ids]);
    return new Set(rows.map((row) => row.id));
  },
  async upsertSupplier(db: Queryable, id: string, s: SupplierInput) {
    await db.query(
      `insert into suppliers (id, name, kind, lead_time_days_min, lead_time_days_max, capacity_units, unit_cost, min_order_units,
         order_multiple, fallback_premium_per_unit, inbound_freight, capacity_by_date)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb)
       on conflict (id) do update set name = excluded.name, kind = excluded.kind,
         lead_time_days_min = excluded.lead_time_days_min, lead_time_days_max = excluded.lead_time_days_max,
         capacity_units = excluded.capacity_units, unit_cost = excluded.unit_cost,
         min_order_units = excluded.min_order_units, order_multiple = excluded.order_multiple,
         fallback_premium_per_unit = excluded.fallback_premium_per_unit, inbound_freight = excluded.inbound_freight,
         capacity_by_date = excluded.capacity_by_date, updated_at = now()`,
      [
        id,
        s.name,
        s.kind,
        s.lead_time_days_min,
        s.lead_time_days_max,
        s.capacity_units,
        s.unit_cost,
        s.min_order_units,
        s.order_multiple,
        s.fallback_premium_per_unit ?? 0,
        JSON.stringify(s.inbound_freight ?? []),
        JSON.stringify(s.capacity_by_date ?? []),
      ],
    );
  },

  async findDrop(db: Queryable, id: string) {
    return (await db.query<DropRow>(`${dropSelect} where d.id = $1`, [id])).rows[0];
  },
  async upsertDrop(db: Queryable, id: string, drop: DropInput) {
    await db.query(
      `insert into drops (id, creator_id, name, opens_at, closes_at, promise_business_days, status, baseline_source)
       values ($1, $2, $3, $4, $5, $6, $7, $8)
       on conflict (id) do update set creator_id = excluded.creator_id, name = excluded.name, opens_at = excluded.opens_at,
         closes_at = excluded.closes_at, promise_business_days = excluded.promise_business_days, status = excluded.status,
         baseline_source = excluded.baseline_source, updated_at = now()`,
      [
        id,
        drop.creator_id,
        drop.name,
        drop.opens_at,
        drop.closes_at,
        drop.promise_business_days,
        drop.status,
        drop.baseline.source,
      ],
    );
    await db.query('delete from drop_baseline_paths where drop_id = $1', [id]);
    const paths = drop.baseline.paths;
    await db.query(
      `insert into drop_baseline_paths (drop_id, region_id, handling_days, transit_days_min, transit_days_max)
       select $1, * from unnest($2::text[], $3::int[], $4::int[], $5::int[])`,
      [
        id,
        paths.map((p) => p.region_id),
        paths.map((p) => p.handling_days),
        paths.map((p) => p.transit_days_min),
        paths.map((p) => p.transit_days_max),
      ],
    );
  },

  /** A drop whose post-drop report is written: closed (idempotent). */
  async markDropClosed(db: Queryable, dropId: string) {
    await db.query(`update drops set status = 'closed', updated_at = now() where id = $1 and status <> 'closed'`, [
      dropId,
    ]);
  },
  async findSku(db: Queryable, id: string) {
    return (await db.query<SkuRow>(`${skuSelect} where s.id = $1`, [id])).rows[0];
  },
  async listSkus(db: Queryable, dropId: string) {
    return (await db.query<SkuRow>(`${skuSelect} where s.drop_id = $1 order by s.id`, [dropId])).rows;
  },
  async upsertSku(db: Queryable, id: string, dropId: string, sku: SkuInput) {
    await db.query(
      `insert into skus (id, drop_id, name, price, unit_cost) values ($1, $2, $3, $4, $5)
       on conflict (id) do update set name = excluded.name, price = excluded.price, unit_cost = excluded.unit_cost, updated_at = now()`,
      [id, dropId, sku.name, sku.price, sku.unit_cost],
    );
    await db.query('delete from sku_sourcing where sku_id = $1', [id]);
    await db.query(
      `insert into sku_sourcing (sku_id, priority, supplier_id, units_available, available_on)
       select $1, position - 1, supplier_id, units_available, available_on
       from unnest($2::text[], $3::int[], $4::date[]) with ordinality as s(supplier_id, units_available, available_on, position)`,
      [
        id,
        sku.sourcing.map((s) => s.supplier_id),
        sku.sourcing.map((s) => s.units_available),
        sku.sourcing.map((s) => s.available_on),
      ],
    );
  },
  // What estimates, pickup and returns read of SKUs, drops and lanes (other modules ask catalogReaders).
  /** Every SKU with what a delivery promise needs of its drop: creator, promise, opening, baseline paths. */
  async listSkusWithDropPromise(db: Queryable) {
    return (
      await db.query<SkuDropPromiseRow>(`
        select s.id, s.drop_id, d.creator_id, d.promise_business_days, d.opens_at,
          coalesce((select json_agg(json_build_object('region_id', b.region_id, 'handling_days', b.handling_days,
            'transit_days_min', b.transit_days_min, 'transit_days_max', b.transit_days_max))
            from drop_baseline_paths b where b.drop_id = d.id), '[]') as baseline
        from skus s join drops d on d.id = s.drop_id`)
    ).rows;
  },
  /** The drop a SKU belongs to and the drop's creator, or undefined. */
  async findSkuDropCreator(db: Queryable, skuId: string) {
    return (
      await db.query<{ drop_id: string; creator_id: string }>(
        'select s.drop_id, d.creator_id from skus s join drops d on d.id = s.drop_id where s.id = $1',
        [skuId],
      )
    ).rows[0];
  },
  /** Locks a SKU's row until the transaction ends; false when there is no such SKU. */
  async lockSku(tx: Queryable, skuId: string) {
    return (await tx.query('select id from skus where id = $1 for update', [skuId])).rows.length > 0;
  },
  /** Ids of the hubs with a lane to the region, fastest first (handling + transit max, then min, then hub id). */
  async listHubIdsServingRegion(db: Queryable, regionId: string) {
    return (
      await db.query<{ id: string }>(
        `select h.id from hub_lanes l join hubs h on h.id = l.hub_id where l.region_id = $1
         order by h.handling_days + l.transit_days_max, h.handling_days + l.transit_days_min, h.id`,
        [regionId],
      )
    ).rows.map((row) => row.id);
  },

  // Pages of the list routes: keyset pagination, `limit + 1` rows after the cursor's key.
  async listCreatorsPage(db: Queryable, onlyId: string | undefined, page: PageRequest) {
    return (
      await db.query<CreatorRow>(
        `select id, name, created_at, updated_at from creators where ($1::text is null or id = $1)
           and ($2::text is null or id > $2) order by id limit $3`,
        [onlyId ?? null, ...afterKey(page, 1), page.limit + 1],
      )
    ).rows;
  },
  async listPartnersPage(db: Queryable, onlyId: string | undefined, page: PageRequest) {
    return (
      await db.query<PartnerRow>(
        `select id, name, created_at, updated_at from partners where ($1::text is null or id = $1)
           and ($2::text is null or id > $2) order by id limit $3`,
        [onlyId ?? null, ...afterKey(page, 1), page.limit + 1],
      )
    ).rows;
  },
  async listRegionsPage(db: Queryable, page: PageRequest) {
    return (
      await db.query<RegionRow>(`${regionSelect} where ($1::text is null or r.id > $1) order by r.id limit $2`, [
        ...afterKey(page, 1),
        page.limit + 1,
      ])
    ).rows;
  },
  async listHubsPage(db: Queryable, operatorPartnerId: string | undefined, page: PageRequest) {
    return (
      await db.query<HubRow>(
        `${hubSelect} where ($1::text is null or h.operator_partner_id = $1) and ($2::text is null or h.id > $2)
         order by h.id limit $3`,
        [operatorPartnerId ?? null, ...afterKey(page, 1), page.limit + 1],
      )
    ).rows;
  },
  async listSuppliersPage(db: Queryable, page: PageRequest) {
    return (
      await db.query<SupplierRow>(`${supplierSelect} where ($1::text is null or id > $1) order by id limit $2`, [
        ...afterKey(page, 1),
        page.limit + 1,
      ])
    ).rows;
  },
  /** By opening, then id; the page key is (opens_at as text, id). Every creator id given must match. */
  async listDropsPage(db: Queryable, filter: { creatorIds: string[]; status: string | undefined }, page: PageRequest) {
    return (
      await db.query<DropRow & { page_opens_at: string }>(
        `select *, opens_at::text as page_opens_at from (${dropSelect}) d
         where ($1::text[] is null or d.creator_id = all($1::text[])) and ($2::text is null or d.status = $2)
           and ($3::timestamptz is null or (d.opens_at, d.id) > ($3::timestamptz, $4::text))
         order by d.opens_at, d.id limit $5`,
        [
          filter.creatorIds.length > 0 ? filter.creatorIds : null,
          filter.status ?? null,
          ...afterKey(page, 2),
          page.limit + 1,
        ],
      )
    ).rows;
  },
  async listSkusPage(db: Queryable, dropId: string, page: PageRequest) {
    return (
      await db.query<SkuRow>(
        `${skuSelect} where s.drop_id = $1 and ($2::text is null or s.id > $2) order by s.id limit $3`,
        [dropId, ...afterKey(page, 1), page.limit + 1],
      )
    ).rows;
  },
};
