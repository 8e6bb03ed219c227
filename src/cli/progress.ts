/**
 * Progress of long CLI work: a bar on a terminal; on anything else (CI logs, a pipe) one plain line
 * every few seconds, so a log shows the work is alive without thousands of redraws.
 */
import cliProgress from 'cli-progress';

export interface CliProgress {
  update(fraction: number, message: string): void;
  stop(): void;
}

export function createCliProgress(
  label: string,
  options: { stream?: NodeJS.WriteStream; everyMs?: number; now?: () => number } = {},
): CliProgress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => Date.now());
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {message} | {eta_formatted} left`, hideCursor: true, stream },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1000, 0, { message: '' });
    return {
      update: (fraction, message) => bar.update(Math.round(Math.max(0, Math.min(1, fraction)) * 1000), { message }),
      stop: () => bar.stop(),
    };
  }
  const everyMs = options.everyMs ?? 5000;
  let last = Number.NEGATIVE_INFINITY;
  let latest = '';
  return {
    update(fraction, message) {
      latest = `${label}: ${(Math.max(0, Math.min(1, fraction)) * 100).toFixed(0)}% ${message}`;
      if (now() - last >= everyMs) {
        last = now();
        stream.write(`${latest}\n`);
      }
    },
    stop() {
      if (latest) stream.write(`${latest.replace(/: \d+%/, ': 100%')}\n`);
    },
  };
}
