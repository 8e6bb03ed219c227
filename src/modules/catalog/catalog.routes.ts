import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { ifMatchOf, sendTaggedJson, strongEtag } from '../../http/etag';
import { pageQuerySchema, pageRequest, type PageRequest } from '../../http/pagination';
import type { ResponseBody } from '../../http/contract';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { parseInput } from '../../http/validate';
import {
  creatorInputSchema,
  dropListQuerySchema,
  dropInputSchema,
  hubCostRules,
  hubInputSchema,
  partnerInputSchema,
  regionCostRules,
  regionInputSchema,
  skuInputSchema,
  supplierCostRules,
  supplierInputSchema,
} from './catalog.schemas';
import type { CatalogService, Saved } from './catalog.service';

/** Well-formed input whose costs break a rule (negative, a shift ending before it starts) → 422. */
function withCostRules<T>(rules: z.ZodType, input: T): T {
  parseInput(rules, input, 'body', 'unprocessable');
  return input;
}

/** The page a list route without filters asks for. */
function pageAsked(req: Request): PageRequest {
  return pageRequest(parseInput(pageQuerySchema, req.query, 'query'));
}

/** A write answers the resource with its ETag, the tag a later `If-Match` names. */
function sendSaved<T>(res: Response, saved: Saved<T>) {
  const json = JSON.stringify(saved.resource);
  res
    .status(saved.created ? 201 : 200)
    .setHeader('ETag', strongEtag(json))
    .type('application/json')
    .send(json);
}

export function catalogRoutes(catalog: CatalogService): Router {
  const router = Router();
  const admin = allowRoles('admin');
  const creatorSide = allowRoles('admin', 'creator', 'storefront');

  router.get('/v1/creators', creatorSide, async (req, res) => {
    const body: ResponseBody<'listCreators', 200> = await catalog.listCreators(principalOf(req), pageAsked(req));
    res.json(body);
  });
  router.get('/v1/creators/:creatorId', creatorSide, async (req, res) => {
    const body: ResponseBody<'getCreator', 200> = await catalog.getCreator(principalOf(req), pathId(req, 'creatorId'));
    sendTaggedJson(req, res, body);
  });
  router.put('/v1/creators/:creatorId', admin, async (req, res) => {
    sendSaved(
      res,
      await catalog.putCreator(pathId(req, 'creatorId'), parseInput(creatorInputSchema, req.body), ifMatchOf(req)),
    );
  });

  const partnerSide = allowRoles('admin', 'partner');
  router.get('/v1/partners', partnerSide, async (req, res) => {
    const body: ResponseBody<'listPartners', 200> = await catalog.listPartners(principalOf(req), pageAsked(req));
    res.json(body);
  });
  router.get('/v1/partners/:partnerId', partnerSide, async (req, res) => {
    const body: ResponseBody<'getPartner', 200> = await catalog.getPartner(principalOf(req), pathId(req, 'partnerId'));
    sendTaggedJson(req, res, body);
  });
  router.put('/v1/partners/:partnerId', admin, async (req, res) => {
    sendSaved(
      res,
      await catalog.putPartner(pathId(req, 'partnerId'), parseInput(partnerInputSchema, req.body), ifMatchOf(req)),
    );
  });

  router.get('/v1/regions', async (req, res) => {
    const body: ResponseBody<'listRegions', 200> = await catalog.listRegionsPage(pageAsked(req));
    res.json(body);
  });
  router.get('/v1/regions/:regionId', async (req, res) => {
    const body: ResponseBody<'getRegion', 200> = await catalog.getRegion(pathId(req, 'regionId'));
    sendTaggedJson(req, res, body);
  });
  router.put('/v1/regions/:regionId', admin, async (req, res) => {
    sendSaved(
      res,
      await catalog.putRegion(
        pathId(req, 'regionId'),
        withCostRules(regionCostRules, parseInput(regionInputSchema, req.body)),
        ifMatchOf(req),
      ),
    );
  });

  const hubReaders = allowRoles('admin', 'creator', 'partner');
  router.get('/v1/hubs', hubReaders, async (req, res) => {
    const body: ResponseBody<'listHubs', 200> = await catalog.listHubsPage(principalOf(req), pageAsked(req));
    res.json(body);
  });
  router.get('/v1/hubs/:hubId', hubReaders, async (req, res) => {
    const body: ResponseBody<'getHub', 200> = await catalog.getHub(principalOf(req), pathId(req, 'hubId'));
    sendTaggedJson(req, res, body);
  });
  router.put('/v1/hubs/:hubId', admin, async (req, res) => {
    sendSaved(
      res,
      await catalog.putHub(
        pathId(req, 'hubId'),
        withCostRules(hubCostRules, parseInput(hubInputSchema, req.body)),
        ifMatchOf(req),
      ),
    );
  });

  const supplierReaders = allowRoles('admin', 'creator');
  router.get('/v1/suppliers', supplierReaders, async (req, res) => {
    const body: ResponseBody<'listSuppliers', 200> = await catalog.listSuppliers(pageAsked(req));
    res.json(body);
  });
  router.get('/v1/suppliers/:supplierId', supplierReaders, async (req, res) => {
    const body: ResponseBody<'getSupplier', 200> = await catalog.getSupplier(pathId(req, 'supplierId'));
    sendTaggedJson(req, res, body);
  });
  router.put('/v1/suppliers/:supplierId', admin, async (req, res) => {
    sendSaved(
      res,
      await catalog.putSupplier(
        pathId(req, 'supplierId'),
        withCostRules(supplierCostRules, parseInput(supplierInputSchema, req.body)),
        ifMatchOf(req),
      ),
    );
  });

  const dropWriters = allowRoles('admin', 'creator');
  router.get('/v1/drops', creatorSide, async (req, res) => {
    const { limit, cursor, ...filter } = parseInput(dropListQuerySchema, req.query, 'query');
    const body: ResponseBody<'listDrops', 200> = await catalog.listDrops(
      principalOf(req),
      filter,
      pageRequest({ limit, cursor }),
    );
    res.json(body);
  });
  router.get('/v1/drops/:dropId', creatorSide, async (req, res) => {
    const body: ResponseBody<'getDrop', 200> = await catalog.getDrop(principalOf(req), pathId(req, 'dropId'));
    sendTaggedJson(req, res, body);
  });
  router.put('/v1/drops/:dropId', dropWriters, async (req, res) => {
    sendSaved(
      res,
      await catalog.putDrop(
        principalOf(req),
        pathId(req, 'dropId'),
        parseInput(dropInputSchema, req.body),
        ifMatchOf(req),
      ),
    );
  });
  router.get('/v1/drops/:dropId/skus', creatorSide, async (req, res) => {
    const body: ResponseBody<'listSkus', 200> = await catalog.listSkusPage(
      principalOf(req),
      pathId(req, 'dropId'),
      pageAsked(req),
    );
    res.json(body);
  });
  router.get('/v1/drops/:dropId/skus/:skuId', creatorSide, async (req, res) => {
    const body: ResponseBody<'getSku', 200> = await catalog.getSku(
      principalOf(req),
      pathId(req, 'dropId'),
      pathId(req, 'skuId'),
    );
    sendTaggedJson(req, res, body);
  });
  router.put('/v1/drops/:dropId/skus/:skuId', dropWriters, async (req, res) => {
    const skuId = pathId(req, 'skuId');
    sendSaved(
      res,
      await catalog.putSku(
        principalOf(req),
        pathId(req, 'dropId'),
        skuId,
        parseInput(skuInputSchema, req.body),
        ifMatchOf(req),
      ),
    );
  });

  return router;
}
