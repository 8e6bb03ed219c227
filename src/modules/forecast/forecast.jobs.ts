import { z } from 'zod';
import type { Job } from '../../jobs/queue';
import type { JobsService } from '../jobs';
import { forecastRequestSchema } from './forecast.schemas';
import type { ForecastService } from './forecast.service';
import type { ModelRegistryService } from './model-registry.service';

export const FORECAST_REFRESH_JOB = 'forecast.refresh';
export const FORECAST_RETRAIN_JOB = 'forecast.retrain';
/** `POST /v1/drops/{dropId}/forecasts` with `Prefer: respond-async`: a job resource. */
export const FORECAST_RUN_JOB_KIND = 'forecast.run';

/**
 * The forecast module's scheduled work, as data: re-forecast live and upcoming drops every 15
 * minutes, retrain nightly on demand_history. The job queue makes sure one worker runs each tick.
 */
export function forecastJobs(forecast: ForecastService, registry: ModelRegistryService): Job[] {
  return [
    {
      id: FORECAST_REFRESH_JOB,
      schedule: '*/15 * * * *',
      run: async ({ logger, signal }) =>
        logger.info({ result: await forecast.refreshOpenDrops(signal) }, 'forecasts refreshed'),
    },
    {
      id: FORECAST_RETRAIN_JOB,
      schedule: '0 3 * * *',
      run: async ({ logger, signal }) => logger.info({ result: await registry.retrain(signal) }, 'model retrain'),
    },
  ];
}

const forecastJobInput = forecastRequestSchema.extend({ drop_id: z.string().min(1) });

/** A queued forecast run: the same forecast as the inline answer, its link as the job's result. */
export function registerForecastRunner(jobs: JobsService, forecast: ForecastService): void {
  jobs.register(FORECAST_RUN_JOB_KIND, async (principal, stored) => {
    const input = forecastJobInput.parse(stored);
    const created = await forecast.runForecast(principal, input.drop_id, {
      ...(input.model !== undefined && { model: input.model }),
      ...(input.as_of !== undefined && { asOf: new Date(input.as_of) }),
    });
    return {
      result: { forecast_id: created.id, drop_id: created.drop_id, version: created.version },
      resultUrl: `/v1/forecasts/${created.id}`,
      message: `forecast version ${created.version}`,
    };
  });
}
