import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";

const OUTPUT_LINES = 40;
const STOP_GRACE_MS = 5_000;

/**
 * A shell that outlives nothing: it holds the read end of a pipe from this Node process and, when
 * the pipe closes (this process exited or was killed, even by SIGKILL), ends the JVM. Node cannot
 * run code on SIGKILL, and a JVM does not notice that its parent is gone, so this is what keeps an
 * orphan JVM from holding its port forever. `/bin/sh` by absolute path: PATH may be anything.
 */
const WATCHDOG = `
cat >/dev/null
kill -TERM "$1" 2>/dev/null || exit 0
i=0
while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
kill -KILL "$1" 2>/dev/null
exit 0`;

export interface JvmProcess {
  readonly pid: number;
  /** The last lines the JVM printed (stdout and stderr interleaved). */
  output(): string;
  /** Resolves when the JVM has exited. */
  readonly exited: Promise<{ exitCode: number | null; signal: string | null }>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 s); resolves once the process is gone. */
  terminate(graceMs?: number): Promise<void>;
}

/** Starts `java args…` with an orphan watchdog, and keeps the tail of its output. */
export function spawnJvm(java: string, args: readonly string[], cwd: string): Promise<JvmProcess> {
  const child = spawn(java, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () => {
      child.off("error", reject);
      resolve(track(child));
    });
  });
}

function track(child: ChildProcess): JvmProcess {
  const pid = child.pid as number;
  const lines: string[] = [];
  let partial = "";
  const collect = (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
    if (lines.length > OUTPUT_LINES) lines.splice(0, lines.length - OUTPUT_LINES);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const watchdog = spawn("/bin/sh", ["-c", WATCHDOG, "dynatom-watchdog", String(pid)], {
    stdio: ["pipe", "ignore", "ignore"],
  });
  watchdog.on("error", () => {});

  // A normal exit of Node (process.exit, end of the event loop) gets the quickest cleanup.
  const onExit = () => child.kill("SIGTERM");
  process.on("exit", onExit);

  let done = false;
  const exited = once(child, "exit").then(([exitCode, signal]) => {
    done = true;
    process.off("exit", onExit);
    watchdog.kill("SIGKILL");
    return { exitCode: exitCode as number | null, signal: signal as string | null };
  });

  // Neither process may keep the user's program alive: the watchdog ends the JVM when it exits.
  for (const p of [child, watchdog]) {
    p.unref();
    for (const stream of [p.stdin, p.stdout, p.stderr]) {
      (stream as { unref?: () => void } | null)?.unref?.();
    }
  }

  return {
    pid,
    exited,
    hasExited: () => done,
    output: () => [...lines, partial].join("\n").trim(),
    async terminate(graceMs = STOP_GRACE_MS) {
      if (done) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
