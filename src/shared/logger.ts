import pino from 'pino';

/** The one logger. Child loggers carry the request id or the job id. */
export type Logger = pino.Logger;

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'microfulfil' } }, destination);
}
