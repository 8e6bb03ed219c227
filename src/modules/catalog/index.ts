/** Catalog: creators, drops, SKUs, hubs, regions, lanes, suppliers. The public surface. */
export { createCatalogService, type CatalogService } from './catalog.service';
export { catalogRoutes } from './catalog.routes';
export { catalogReaders } from './catalog.readers';
export {
  creatorInputSchema,
  dropInputSchema,
  hubInputSchema,
  overridesCostRules,
  partnerInputSchema,
  regionInputSchema,
  scopedCostShiftSchema,
  supplierInputSchema,
} from './catalog.schemas';
