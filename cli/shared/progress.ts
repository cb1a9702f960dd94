/** A byte progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, tests). */
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  advance(bytes: number): void;
  stop(): void;
}

export function progressBar(label: string, totalBytes: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { advance() {}, stop() {} };
  const bar = new SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {value}/{total} MiB | ETA {eta_formatted}`,
      formatValue: (value, _options, type) =>
        type === 'value' || type === 'total' ? (value / 2 ** 20).toFixed(1) : String(value),
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  bar.start(totalBytes, 0);
  return { advance: (bytes) => bar.increment(bytes), stop: () => bar.stop() };
}
