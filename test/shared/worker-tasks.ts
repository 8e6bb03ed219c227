/** Tasks for the worker-pool tests, loaded by the worker threads. */

/** Spins the thread for `ms` (a stand-in for a long plan computation); returns how long it spun. */
export function spin(ms: number): number {
  const started = Date.now();
  let x = 0;
  while (Date.now() - started < ms) x += Math.sqrt(x + 1);
  return x >= 0 ? Date.now() - started : -1;
}

export function echo<T>(value: T): T {
  return value;
}

/** The CPU priority (nice value) of the thread that runs the task; on Linux nice is per thread. */
export async function threadNice(): Promise<number> {
  const { getPriority } = await import('node:os');
  return getPriority(0);
}
