import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const bin = fileURLToPath(new URL("../../cli/bin.ts", import.meta.url));
// Absolute, so that the child finds tsx whatever its working directory.
const tsx = import.meta.resolve("tsx");

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `dynatom <args…>` from the sources as a child process (tsx, the dynatom-source condition),
 * as a user's shell would: its own stdio, no terminal, nothing on stdin.
 */
/** The node arguments that run the bin from the sources. */
export const CLI_NODE_ARGS = [`--import=${tsx}`, "--conditions=dynatom-source", bin] as const;

export function runCli(
  args: readonly string[],
  options: {
    readonly cwd?: string;
    readonly env?: NodeJS.ProcessEnv;
    readonly timeoutMs?: number;
    /** Handed the child as soon as it runs, e.g. to send it a signal halfway. */
    readonly onSpawn?: (child: ChildProcess) => void;
  } = {},
): Promise<CliRun> {
  const child = spawn(process.execPath, [...CLI_NODE_ARGS, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  options.onSpawn?.(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 110_000);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
