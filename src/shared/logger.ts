import pino from 'pino';

/** The one logger. Child loggers carry the request id or the job id. */
export type Logger = pino.Logger;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  // ISO 8601 timestamps (`"time":"2026-12-02T10:30:00.000Z"`), readable without a converter.
  return pino({ level, base: { service: 'microfulfil' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
