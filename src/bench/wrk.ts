import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Load from wrk (Debian's `wrk`, a C client): one thread, a Lua script, `--latency` for the
 * percentiles. Used by the benches that drive the service over HTTP.
 */
export const hasWrk = fs.existsSync('/usr/bin/wrk');

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  ok: number;
}

/** wrk's duration in ms ("812.00us", "3.51ms", "1.02s"). */
function wrkMs(text: string): number {
  const m = /([\d.]+)(us|ms|s)/.exec(text);
  if (!m) return Number.NaN;
  const value = Number(m[1]);
  return m[2] === 'us' ? value / 1000 : m[2] === 's' ? value * 1000 : value;
}

/** Rate, percentiles and status counts of one wrk run (`--latency`). */
export function readWrkOutput(out: string): LoadResult {
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0),
    // Anchored: a '+/- Stdev' column such as 66.50% must not read as the 50th percentile.
    p50: wrkMs(/^\s+50%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    p99: wrkMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? ''),
    non2xx,
    ok: total - non2xx,
  };
}

/** Runs wrk with `script` (Lua) against `url` and reads its figures. */
export async function runWrkScript(
  script: string,
  options: { url: string; connections: number; durationS: number },
): Promise<LoadResult> {
  const file = path.join(os.tmpdir(), `mf-wrk-${randomBytes(4).toString('hex')}.lua`);
  fs.writeFileSync(file, script);
  try {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        '/usr/bin/wrk',
        ['-t1', `-c${options.connections}`, `-d${options.durationS}s`, '--latency', '-s', file, options.url],
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      ),
    );
    return readWrkOutput(out);
  } finally {
    fs.rmSync(file, { force: true });
  }
}
