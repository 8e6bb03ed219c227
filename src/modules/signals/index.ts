/** Signals: pre-orders, social signals and token-holder snapshots, imported in bulk. The public surface. */
export { createSignalsService, type SignalsService } from './signals.service';
export { signalsRoutes } from './signals.routes';
export { signalsReaders } from './signals.readers';
