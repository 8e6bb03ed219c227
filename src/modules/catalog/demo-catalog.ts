import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Principal } from '../../http/principal';
import type { Clock } from '../../shared/clock';
import { creatorInputSchema, dropInputSchema, hubInputSchema, idSchema, partnerInputSchema, regionInputSchema, supplierInputSchema } from './catalog.schemas';
import type { CatalogService } from './catalog.service';

export const DEMO_CATALOG_PATH = path.resolve('data/demo/catalog.json');
export const DEMO_DROP_ID = 'drop-nova-winter';
const SYSTEM: Principal = { keyId: 'system', role: 'admin' };
const DAY_MS = 86_400_000;


/** The demo file: catalog inputs as the API takes them, with drop dates relative to "now". */
const demoCatalogSchema = z.object({
  partners: z.array(z.object({ id: idSchema }).passthrough()),
  regions: z.array(z.object({ id: idSchema }).passthrough()),
  hubs: z.array(z.object({ id: idSchema }).passthrough()),
  suppliers: z.array(z.object({ id: idSchema }).passthrough()),
  creators: z.array(z.object({ id: idSchema }).passthrough()),
  drops: z.array(
    z.object({
      id: idSchema,
      creator_id: idSchema,
      name: z.string(),
      opens_in_days: z.number().int().min(1),
      opens_at_utc_time: z.string().regex(/^\d\d:\d\d$/),
      duration_hours: z.number().positive(),
      promise_business_days: z.number().int(),
      status: z.enum(['draft', 'scheduled', 'live', 'closed']),
      baseline: z.unknown(),
      skus: z.array(
        z.object({
          id: idSchema,
          name: z.string(),
          price: z.number(),
          unit_cost: z.number(),
          sourcing: z.array(z.object({ supplier_id: idSchema, units_available: z.number().int(), available_days_before_open: z.number().int() })),
        }),
      ),
    }),
  ),
});

const strip = <T extends { id: string }>(item: T) => {
  const { id, ...rest } = item;
  return { id, body: rest };
};

/**
 * Loads the demo catalog through the same validated service calls the API uses. It runs once:
 * when the demo drop already exists it does nothing, so restarts keep what users changed.
 */
export async function loadDemoCatalog(catalog: CatalogService, clock: Clock, file = DEMO_CATALOG_PATH): Promise<{ loaded: boolean; dropId: string }> {
  const demo = demoCatalogSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const firstDrop = demo.drops[0]!;
  try {
    await catalog.getDrop(SYSTEM, firstDrop.id);
    return { loaded: false, dropId: firstDrop.id };
  } catch {
    // not there yet: load below
  }
  for (const p of demo.partners.map(strip)) await catalog.putPartner(p.id, partnerInputSchema.parse(p.body));
  for (const r of demo.regions.map(strip)) await catalog.putRegion(r.id, regionInputSchema.parse(r.body));
  for (const h of demo.hubs.map(strip)) await catalog.putHub(h.id, hubInputSchema.parse(h.body));
  for (const s of demo.suppliers.map(strip)) await catalog.putSupplier(s.id, supplierInputSchema.parse(s.body));
  for (const c of demo.creators.map(strip)) await catalog.putCreator(c.id, creatorInputSchema.parse(c.body));
  for (const drop of demo.drops) {
    const today = new Date(clock.now().toISOString().slice(0, 10) + `T${drop.opens_at_utc_time}:00Z`);
    const opensAt = new Date(today.getTime() + drop.opens_in_days * DAY_MS);
    const closesAt = new Date(opensAt.getTime() + drop.duration_hours * 3_600_000);
    await catalog.putDrop(
      SYSTEM,
      drop.id,
      dropInputSchema.parse({
        creator_id: drop.creator_id,
        name: drop.name,
        opens_at: opensAt.toISOString(),
        closes_at: closesAt.toISOString(),
        promise_business_days: drop.promise_business_days,
        status: drop.status,
        baseline: drop.baseline,
      }),
    );
    for (const sku of drop.skus) {
      await catalog.putSku(SYSTEM, drop.id, sku.id, {
        name: sku.name,
        price: sku.price,
        unit_cost: sku.unit_cost,
        sourcing: sku.sourcing.map((s) => ({
          supplier_id: s.supplier_id,
          units_available: s.units_available,
          available_on: new Date(opensAt.getTime() - s.available_days_before_open * DAY_MS).toISOString().slice(0, 10),
        })),
      });
    }
  }
  return { loaded: true, dropId: firstDrop.id };
}
