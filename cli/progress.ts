import { Presets, SingleBar } from "cli-progress";
import type { Io } from "./io.js";

/** How a long command tells how far it is, on stderr (stdout may carry the data). */
export interface Progress {
  /** `done` units so far (of `total` when known). */
  update(done: number): void;
  /** Stops the bar and prints one last line. */
  finish(summary: string): void;
}

/** Plain lines at most this often, whatever the percentage does. */
const EVERY_MS = 5_000;

/**
 * A progress bar (cli-progress) when stderr is a terminal, else plain lines such as
 * `import account: 5000/20000 lines (25%)` at most every 10% or every 5 s, then a summary.
 *
 * @example const progress = startProgress(io, "import account", "lines", 20_000);
 */
export function startProgress(
  io: Io,
  label: string,
  unit: string,
  total: number | undefined,
  start = 0,
): Progress {
  if (io.stderr.isTTY === true) return barProgress(io, label, unit, total, start);
  let shownTenth = total ? Math.floor((start * 10) / total) : 0;
  let shownAt = Date.now();
  return {
    update(done) {
      const tenth = total ? Math.floor((done * 10) / total) : 0;
      const now = Date.now();
      if (tenth <= shownTenth && now - shownAt < EVERY_MS) return;
      shownTenth = tenth;
      shownAt = now;
      const of = total ? `/${total} ${unit} (${Math.floor((done * 100) / total)}%)` : ` ${unit}`;
      io.stderr.write(`${label}: ${done}${of}\n`);
    },
    finish(summary) {
      io.stderr.write(`${summary}\n`);
    },
  };
}

function barProgress(
  io: Io,
  label: string,
  unit: string,
  total: number | undefined,
  start: number,
): Progress {
  const known = total !== undefined && total > 0;
  const bar = new SingleBar(
    {
      stream: io.stderr,
      format: known
        ? `${label} [{bar}] {percentage}% {value}/{total} ${unit} | {eta_formatted} left`
        : `${label}: {value} ${unit} | {duration_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(known ? total : 0, start);
  return {
    update: (done) => bar.update(done),
    finish(summary) {
      bar.stop();
      io.stderr.write(`${summary}\n`);
    },
  };
}
