/**
 * Hoarding signals of one account on one drop, and the score a creator's threshold is compared
 * with (issue 16). Pure: the counts come from the hold's transaction (under the account's lock) or
 * from the flagged-accounts report, and both score them here.
 *
 * Each signal has an allowance (what an ordinary buyer may do without a point: change their mind
 * once, ship to home and to work, share a device with a partner, live in a shared house) and a
 * weight per unit beyond it:
 *
 * | signal                | counts                                                              | allowance | weight |
 * |-----------------------|---------------------------------------------------------------------|-----------|--------|
 * | `quick_cycles`        | holds released within 60 s of being made                             | 1         | 1      |
 * | `many_regions`        | distinct buyer regions of the account's holds                        | 2         | 1.5    |
 * | `shared_device`       | accounts seen on one device hash the account used (itself included) | 2         | 2      |
 * | `shared_address`      | accounts seen at one address hash the account used (itself included)| 3         | 1      |
 * | `inhuman_velocity`    | most holds the account made within any 5 s                           | 3         | 2      |
 *
 *     score = Σ weight × max(0, count − allowance)
 *
 * Device sharing and velocity weigh most: a person rarely drives several accounts from one phone
 * or places a fourth hold within five seconds, while a second region or a released hold has
 * innocent readings. A hold is refused when the score with it would be above the drop's threshold.
 */

export const QUICK_CYCLE_SECONDS = 60;
export const VELOCITY_WINDOW_SECONDS = 5;

export type SignalName = 'quick_cycles' | 'many_regions' | 'shared_device' | 'shared_address' | 'inhuman_velocity';

export const SIGNAL_RULES: Readonly<Record<SignalName, { allowance: number; weight: number }>> = {
  quick_cycles: { allowance: 1, weight: 1 },
  many_regions: { allowance: 2, weight: 1.5 },
  shared_device: { allowance: 2, weight: 2 },
  shared_address: { allowance: 3, weight: 1 },
  inhuman_velocity: { allowance: 3, weight: 2 },
};

/** Fixed order of the signals in answers and reasons. */
export const SIGNAL_NAMES = Object.keys(SIGNAL_RULES) as SignalName[];

export type SignalCounts = Record<SignalName, number>;

export interface ScoredSignal {
  name: SignalName;
  count: number;
  allowance: number;
  points: number;
}

export interface AbuseScore {
  score: number;
  /** every signal with its count; `points` > 0 for those beyond their allowance */
  signals: ScoredSignal[];
}

export function abuseScore(counts: SignalCounts): AbuseScore {
  const signals = SIGNAL_NAMES.map((name) => {
    const { allowance, weight } = SIGNAL_RULES[name];
    const count = Math.max(0, Math.floor(counts[name]));
    return { name, count, allowance, points: weight * Math.max(0, count - allowance) };
  });
  // Weights are multiples of 0.5: the sum is exact in floating point.
  return { score: signals.reduce((sum, s) => sum + s.points, 0), signals };
}

/** Above the threshold (strictly): refused, or sent to the back of the queue. No threshold: never. */
export function isAboveThreshold(score: number, threshold: number | null): boolean {
  return threshold !== null && score > threshold;
}

/** The signals that scored, most points first (ties in the fixed order): the `reason` of a refusal. */
export function scoringSignals(scored: AbuseScore): SignalName[] {
  return scored.signals
    .filter((s) => s.points > 0)
    .sort((a, b) => b.points - a.points || SIGNAL_NAMES.indexOf(a.name) - SIGNAL_NAMES.indexOf(b.name))
    .map((s) => s.name);
}
