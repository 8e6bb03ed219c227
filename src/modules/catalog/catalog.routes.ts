import { Router, type Response } from 'express';
import type { ResponseBody } from '../../http/contract';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import {
  creatorInputSchema,
  dropInputSchema,
  hubInputSchema,
  partnerInputSchema,
  regionInputSchema,
  skuInputSchema,
  supplierInputSchema,
} from './catalog.schemas';
import type { CatalogService, Saved } from './catalog.service';

function sendSaved<T>(res: Response, saved: Saved<T>) {
  res.status(saved.created ? 201 : 200).json(saved.resource);
}

export function catalogRoutes(catalog: CatalogService): Router {
  const router = Router();
  const admin = allowRoles('admin');
  const creatorSide = allowRoles('admin', 'creator', 'storefront');

  router.get('/v1/creators', creatorSide, async (req, res) => {
    const body: ResponseBody<'listCreators', 200> = { items: await catalog.listCreators(principalOf(req)) };
    res.json(body);
  });
  router.get('/v1/creators/:creatorId', creatorSide, async (req, res) => {
    const body: ResponseBody<'getCreator', 200> = await catalog.getCreator(principalOf(req), pathId(req, 'creatorId'));
    res.json(body);
  });
  router.put('/v1/creators/:creatorId', admin, async (req, res) => {
    sendSaved(res, await catalog.putCreator(pathId(req, 'creatorId'), parseInput(creatorInputSchema, req.body)));
  });

  const partnerSide = allowRoles('admin', 'partner');
  router.get('/v1/partners', partnerSide, async (req, res) => {
    const body: ResponseBody<'listPartners', 200> = { items: await catalog.listPartners(principalOf(req)) };
    res.json(body);
  });
  router.get('/v1/partners/:partnerId', partnerSide, async (req, res) => {
    const body: ResponseBody<'getPartner', 200> = await catalog.getPartner(principalOf(req), pathId(req, 'partnerId'));
    res.json(body);
  });
  router.put('/v1/partners/:partnerId', admin, async (req, res) => {
    sendSaved(res, await catalog.putPartner(pathId(req, 'partnerId'), parseInput(partnerInputSchema, req.body)));
  });

  router.get('/v1/regions', async (_req, res) => {
    const body: ResponseBody<'listRegions', 200> = { items: await catalog.listRegions() };
    res.json(body);
  });
  router.get('/v1/regions/:regionId', async (req, res) => {
    const body: ResponseBody<'getRegion', 200> = await catalog.getRegion(pathId(req, 'regionId'));
    res.json(body);
  });
  router.put('/v1/regions/:regionId', admin, async (req, res) => {
    sendSaved(res, await catalog.putRegion(pathId(req, 'regionId'), parseInput(regionInputSchema, req.body)));
  });

  const hubReaders = allowRoles('admin', 'creator', 'partner');
  router.get('/v1/hubs', hubReaders, async (req, res) => {
    const body: ResponseBody<'listHubs', 200> = { items: await catalog.listHubs(principalOf(req)) };
    res.json(body);
  });
  router.get('/v1/hubs/:hubId', hubReaders, async (req, res) => {
    const body: ResponseBody<'getHub', 200> = await catalog.getHub(principalOf(req), pathId(req, 'hubId'));
    res.json(body);
  });
  router.put('/v1/hubs/:hubId', admin, async (req, res) => {
    sendSaved(res, await catalog.putHub(pathId(req, 'hubId'), parseInput(hubInputSchema, req.body)));
  });

  const supplierReaders = allowRoles('admin', 'creator');
  router.get('/v1/suppliers', supplierReaders, async (_req, res) => {
    const body: ResponseBody<'listSuppliers', 200> = { items: await catalog.listSuppliers() };
    res.json(body);
  });
  router.get('/v1/suppliers/:supplierId', supplierReaders, async (req, res) => {
    const body: ResponseBody<'getSupplier', 200> = await catalog.getSupplier(pathId(req, 'supplierId'));
    res.json(body);
  });
  router.put('/v1/suppliers/:supplierId', admin, async (req, res) => {
    sendSaved(res, await catalog.putSupplier(pathId(req, 'supplierId'), parseInput(supplierInputSchema, req.body)));
  });

  const dropWriters = allowRoles('admin', 'creator');
  router.get('/v1/drops', creatorSide, async (req, res) => {
    const body: ResponseBody<'listDrops', 200> = { items: await catalog.listDrops(principalOf(req)) };
    res.json(body);
  });
  router.get('/v1/drops/:dropId', creatorSide, async (req, res) => {
    const body: ResponseBody<'getDrop', 200> = await catalog.getDrop(principalOf(req), pathId(req, 'dropId'));
    res.json(body);
  });
  router.put('/v1/drops/:dropId', dropWriters, async (req, res) => {
    sendSaved(
      res,
      await catalog.putDrop(principalOf(req), pathId(req, 'dropId'), parseInput(dropInputSchema, req.body)),
    );
  });
  router.get('/v1/drops/:dropId/skus', creatorSide, async (req, res) => {
    const body: ResponseBody<'listSkus', 200> = {
      items: await catalog.listSkus(principalOf(req), pathId(req, 'dropId')),
    };
    res.json(body);
  });
  router.get('/v1/drops/:dropId/skus/:skuId', creatorSide, async (req, res) => {
    const body: ResponseBody<'getSku', 200> = await catalog.getSku(
      principalOf(req),
      pathId(req, 'dropId'),
      pathId(req, 'skuId'),
    );
    res.json(body);
  });
  router.put('/v1/drops/:dropId/skus/:skuId', dropWriters, async (req, res) => {
    const skuId = pathId(req, 'skuId');
    sendSaved(
      res,
      await catalog.putSku(principalOf(req), pathId(req, 'dropId'), skuId, parseInput(skuInputSchema, req.body)),
    );
  });

  return router;
}
