import type { Logger } from '../shared/logger';

/** What one tick of a scheduled job came to. */
export type TickOutcome =
  | { kind: 'ran'; ms: number }
  | { kind: 'skipped' } // another run of the job was active (on any replica)
  | { kind: 'failed'; error: unknown };

/**
 * The one line a tick writes, on the job's child logger. A tick that ran or was skipped is debug,
 * so a service at `info` does not log every few seconds per job (a job that did work logs its own
 * info line); a failed tick is an error. Whatever runs the jobs calls this once per tick.
 */
export function logTick(log: Logger, outcome: TickOutcome): void {
  switch (outcome.kind) {
    case 'ran':
      log.debug({ ms: outcome.ms }, 'job ran');
      return;
    case 'skipped':
      log.debug('another run of this job is active');
      return;
    case 'failed':
      log.error({ err: outcome.error }, 'job failed');
      return;
  }
}
