/**
 * A large drop for the resilience bench (and the test that plan computation does not stall
 * requests): `skus` SKUs over `regions` regions, each region within the promise of two of `hubs`
 * hubs (so the planner has choices), one supplier, and a stored forecast for every SKU × region.
 * Written through the catalog service (the same rules as the API) and one bulk insert of cells.
 */
import type { Database } from '../db/database';
import type { Principal } from '../http/principal';
import type { Services } from '../services';
import { mulberry32 } from '../shared/random';

export interface LargeDrop {
  dropId: string;
  creatorId: string;
  skuIds: string[];
  regionIds: string[];
  /** A postal code in the first region, for estimates. */
  postalCode: string;
}

const ADMIN: Principal = { keyId: 'large-drop', role: 'admin' };

export async function seedLargeDrop(
  services: Pick<Services, 'catalog' | 'db'>,
  shape: { skus: number; hubs: number; regions: number; prefix?: string; seed?: number },
): Promise<LargeDrop> {
  const { catalog, db } = services;
  const p = shape.prefix ?? 'big';
  const random = mulberry32(shape.seed ?? 1);
  const creatorId = `${p}-creator`;
  const partnerId = `${p}-partner`;
  const supplierId = `${p}-supplier`;
  const dropId = `${p}-drop`;
  await catalog.putCreator(creatorId, { name: 'Large drop creator' });
  await catalog.putPartner(partnerId, { name: 'Large drop partner' });
  const regionIds = Array.from({ length: shape.regions }, (_, r) => `${p}-region-${r}`);
  for (const [r, id] of regionIds.entries())
    await catalog.putRegion(id, {
      name: `Region ${r}`,
      time_zone: 'America/New_York',
      postal_prefixes: [`9${p.length}${r}x`],
    });
  for (let h = 0; h < shape.hubs; h++) {
    const lanes = regionIds
      .filter((_, r) => r % shape.hubs === h || (r + 1) % shape.hubs === h)
      .map((region_id) => ({ region_id, transit_days_min: 1, transit_days_max: 2 }));
    await catalog.putHub(`${p}-hub-${h}`, {
      name: `Hub ${h}`,
      operator_partner_id: partnerId,
      capacity_units: 50 * shape.skus,
      time_zone: 'America/New_York',
      order_cutoff_local: '15:00',
      handling_days: 0,
      lanes,
    });
  }
  await catalog.putSupplier(supplierId, {
    name: 'Microfactory',
    kind: 'microfactory',
    lead_time_days_min: 1,
    lead_time_days_max: 2,
    capacity_units: 1_000_000,
    unit_cost: 10,
    min_order_units: 1,
    order_multiple: 1,
  });
  await catalog.putDrop(ADMIN, dropId, {
    creator_id: creatorId,
    name: 'Large drop',
    opens_at: '2026-12-03T17:00:00Z',
    closes_at: '2026-12-05T17:00:00Z',
    promise_business_days: 3,
    status: 'scheduled',
    baseline: {
      source: 'central warehouse',
      paths: regionIds.map((region_id) => ({ region_id, handling_days: 2, transit_days_min: 3, transit_days_max: 5 })),
    },
  });
  const skuIds = Array.from({ length: shape.skus }, (_, s) => `${p}-sku-${s}`);
  for (const skuId of skuIds)
    await catalog.putSku(ADMIN, dropId, skuId, {
      name: skuId,
      price: 40,
      unit_cost: 10,
      sourcing: [{ supplier_id: supplierId, units_available: 40 * shape.regions, available_on: '2026-11-25' }],
    });
  const cells = skuIds.flatMap((sku_id) =>
    regionIds.map((region_id) => ({ sku_id, region_id, mean: 1 + 8 * random() })),
  );
  await insertForecast(db, dropId, cells);
  return { dropId, creatorId, skuIds, regionIds, postalCode: `9${p.length}0x12` };
}

async function insertForecast(
  db: Database,
  dropId: string,
  cells: { sku_id: string; region_id: string; mean: number }[],
) {
  const id = `${dropId}-forecast`;
  await db.query(
    `insert into forecasts (id, drop_id, version, model_id, model_kind, prior_only, lead_days, as_of)
     values ($1, $2, 1, 'bench', 'bench', false, 10, now()) on conflict do nothing`,
    [id, dropId],
  );
  await db.query(
    `insert into forecast_cells (forecast_id, sku_id, region_id, mean, dispersion, quantiles)
     select $1, s, r, m, 0.3, array[0, 0, 0, m, 2 * m, 3 * m, 3 * m]
     from unnest($2::text[], $3::text[], $4::float8[]) as u(s, r, m) on conflict do nothing`,
    [id, cells.map((c) => c.sku_id), cells.map((c) => c.region_id), cells.map((c) => c.mean)],
  );
}
