import type { Request, Response } from 'express';
import type { Schemas } from './contract';

/**
 * `Prefer: respond-async` (RFC 7240): the client would rather have a job to poll than wait for a
 * long computation. Preferences are comma-separated tokens (case-insensitive), each with an
 * optional value and parameters after ';'; a header may repeat. Unknown preferences are ignored.
 */
export function prefersRespondAsync(req: Request): boolean {
  // The answer depends on the header, whichever way it goes (shared caches, replays).
  req.res?.vary('Prefer');
  const header = req.headers.prefer;
  if (!header) return false;
  return (Array.isArray(header) ? header : [header])
    .flatMap((value) => value.split(','))
    .some((preference) => preference.split(';')[0]!.split('=')[0]!.trim().toLowerCase() === 'respond-async');
}

/** 202 with the job, where to poll it, and that the preference was honoured. */
export function sendAccepted(res: Response, job: Schemas['Job']): void {
  res.status(202).location(`/v1/jobs/${job.id}`).set('Preference-Applied', 'respond-async').json(job);
}
