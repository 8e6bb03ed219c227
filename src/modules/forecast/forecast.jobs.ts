import type { Job } from '../../jobs/queue';
import type { ForecastService } from './forecast.service';
import type { ModelRegistryService } from './model-registry.service';

export const FORECAST_REFRESH_JOB = 'forecast.refresh';
export const FORECAST_RETRAIN_JOB = 'forecast.retrain';

/**
 * The forecast module's scheduled work, as data: re-forecast live and upcoming drops every 15
 * minutes, retrain nightly on demand_history. The scheduler makes sure one replica runs each tick.
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
