import { Router } from 'express';
import type { ResponseBody } from '../../http/contract';
import { allowRoles, pathId, principalOf } from '../../http/request-context';
import { sendTaggedJson } from '../../http/etag';
import { pageRequest } from '../../http/pagination';
import { prefersRespondAsync, sendAccepted } from '../../http/prefer';
import { parseInput } from '../../http/validate';
import type { JobsService } from '../jobs';
import {
  forecastCellFilterSchema,
  forecastListQuerySchema,
  forecastRequestSchema,
  runForecastQuerySchema,
} from './forecast.schemas';
import { FORECAST_RUN_JOB_KIND } from './forecast.jobs';
import type { ForecastService } from './forecast.service';

/** Forecasts: the drop's creator and admin only; any other key gets 404. */
export function forecastRoutes(forecast: ForecastService, jobs: JobsService): Router {
  const router = Router();
  const owners = allowRoles('admin', 'creator');

  router.post('/v1/drops/:dropId/forecasts', owners, async (req, res) => {
    parseInput(runForecastQuerySchema, { ...req.query }, 'query');
    const input = parseInput(forecastRequestSchema, req.body ?? {});
    if (prefersRespondAsync(req)) {
      // A drop the key cannot see is 404 now, not a failed job later.
      await forecast.checkDrop(principalOf(req), pathId(req, 'dropId'));
      const job: ResponseBody<'runForecast', 202> = await jobs.submit(principalOf(req), FORECAST_RUN_JOB_KIND, {
        drop_id: pathId(req, 'dropId'),
        ...input,
      });
      return sendAccepted(res, job);
    }
    const body: ResponseBody<'runForecast', 201> = await forecast.runForecast(principalOf(req), pathId(req, 'dropId'), {
      ...(input.model !== undefined && { model: input.model }),
      ...(input.as_of !== undefined && { asOf: new Date(input.as_of) }),
    });
    res.status(201).location(`/v1/forecasts/${body.id}`).json(body);
  });
  router.get('/v1/drops/:dropId/forecasts', owners, async (req, res) => {
    const page = pageRequest(parseInput(forecastListQuerySchema, req.query, 'query'));
    const body: ResponseBody<'listForecasts', 200> = await forecast.listForecasts(
      principalOf(req),
      pathId(req, 'dropId'),
      page,
    );
    res.json(body);
  });
  router.get('/v1/drops/:dropId/forecasts/latest', owners, async (req, res) => {
    const filter = parseInput(forecastCellFilterSchema, { ...req.query }, 'query');
    const body: ResponseBody<'getLatestForecast', 200> = await forecast.getLatestForecast(
      principalOf(req),
      pathId(req, 'dropId'),
      filter,
    );
    sendTaggedJson(req, res, body);
  });
  router.get('/v1/forecasts/:forecastId', owners, async (req, res) => {
    const filter = parseInput(forecastCellFilterSchema, { ...req.query }, 'query');
    const body: ResponseBody<'getForecast', 200> = await forecast.getForecast(
      principalOf(req),
      pathId(req, 'forecastId'),
      filter,
    );
    sendTaggedJson(req, res, body);
  });

  return router;
}
