/** Forecast: demand per SKU and region, the models that predict it and their training. The public surface. */
export { createForecastService, type ForecastService } from './forecast.service';
export { forecastReaders, type ForecastReader } from './forecast-reader';
