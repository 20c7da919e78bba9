/** Where a command reads and writes: the process's streams, or a test's. */
export interface Io {
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM: long commands stop cleanly and say where. */
  readonly signal: AbortSignal;
}

/**
 * The real process. The first Ctrl-C aborts `signal` so that a command can stop at a safe point
 * (an import saves its place); a second one exits at once.
 */
export function processIo(): Io {
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === "SIGINT" ? 130 : 143);
    controller.abort(signal);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
}

/** Writes text and waits while the stream's buffer is full, so output of any size stays small. */
export function write(stream: NodeJS.WritableStream, text: string): Promise<void> | undefined {
  if (stream.write(text)) return undefined;
  return new Promise((resolve) => stream.once("drain", () => resolve()));
}
