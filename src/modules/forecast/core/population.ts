/**
 * The history population of a model: the past drops its history features (creator shares,
 * pre-order ratios, demand per RSVP …) and its baseline are computed from. A model sees the same
 * population at serving time as it saw in training (recorded in its metadata as a
 * `HistoryPopulation`), so a drop's features are the same whichever side computes them. Pure.
 *
 * The simulated prior, when mixed in, is a different dataset on its own calendar; it is placed
 * before the user's drops (shifted back in time as a block, order kept) so that every user drop
 * sees all of it as past, in training and at serving alike.
 */
import type { ClosedDrop } from './forecast-types';
import type { HistoryPopulation } from './nb-mlp-model';

const DAY_MS = 86_400_000;
/** The prior's last close lands this long before the first user drop opens (the longest lead). */
const PRIOR_GAP_MS = 7 * DAY_MS;

/** Ids of simulated prior drops and creators never meet real ids. */
export const PRIOR_ID_PREFIX = 'sim:';

export function asPriorDrops(drops: readonly ClosedDrop[]): ClosedDrop[] {
  return drops.map((d) => ({ ...d, id: `${PRIOR_ID_PREFIX}${d.id}`, creatorId: `${PRIOR_ID_PREFIX}${d.creatorId}` }));
}

/** The prior shifted (when needed) to close before `firstOpenMs` − 7 days; unchanged when already before. */
export function placePriorBefore(prior: readonly ClosedDrop[], firstOpenMs: number | null): ClosedDrop[] {
  if (prior.length === 0 || firstOpenMs === null) return [...prior];
  const lastClose = Math.max(...prior.map((d) => Date.parse(d.closesAt)));
  const shift = Math.min(0, firstOpenMs - PRIOR_GAP_MS - lastClose);
  if (shift === 0) return [...prior];
  const move = (iso: string) => new Date(Date.parse(iso) + shift).toISOString();
  return prior.map((d) => ({ ...d, opensAt: move(d.opensAt), closesAt: move(d.closesAt) }));
}

export const byOpening = (a: ClosedDrop, b: ClosedDrop): number =>
  Date.parse(a.opensAt) - Date.parse(b.opensAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The drops of a population, in opening order: the service's demand_history when the population
 * takes it, and the prior (placed before the first of those) when it takes the prior.
 */
export function assemblePopulation(
  population: HistoryPopulation,
  sources: { demandHistory: readonly ClosedDrop[]; prior: readonly ClosedDrop[] },
): ClosedDrop[] {
  const own = population.demandHistory ? [...sources.demandHistory] : [];
  const firstOpen = own.length ? Math.min(...own.map((d) => Date.parse(d.opensAt))) : null;
  const prior = population.prior ? placePriorBefore(sources.prior, firstOpen) : [];
  return [...prior, ...own].sort(byOpening);
}
