import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** Runs `test/helpers/children/<name>.ts` in a new Node process, as the test command runs TS. */
export function spawnChild(
  name: string,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  const script = fileURLToPath(new URL(`./children/${name}.ts`, import.meta.url));
  return spawn(process.execPath, ["--import=tsx", "--conditions=dynatom-source", script, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * Runs a worker (see {@link spawnChild}) with its arguments as one JSON argument, and resolves
 * to the last line it prints, parsed as JSON; rejects with its stderr if it exits non-zero.
 */
export async function runJsonChild<T>(name: string, args: object): Promise<T> {
  const child = spawnChild(name, [JSON.stringify(args)], {
    ...process.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  });
  const { code, out, err } = await finished(child);
  if (code !== 0) throw new Error(`${name} exited with ${code}: ${err}`);
  return lastJsonLine<T>(out);
}

/** The last line of a child's output, parsed as JSON (an empty object when there is none). */
export function lastJsonLine<T>(out: string): T {
  return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as T;
}

/** Waits for a child to exit, killed after `killAfterMs`, with what it printed. */
export async function finished(
  child: ChildProcess,
  killAfterMs = Number.POSITIVE_INFINITY,
): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  let out = "";
  let err = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    err += chunk.toString();
  });
  const timer = Number.isFinite(killAfterMs)
    ? setTimeout(() => child.kill("SIGKILL"), killAfterMs)
    : undefined;
  const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
  clearTimeout(timer);
  return { code, signal, out, err };
}

/** The first line the child prints, parsed as JSON. */
export async function firstJsonLine<T>(child: ChildProcess): Promise<T> {
  let text = "";
  let errText = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    errText += chunk.toString();
  });
  for await (const chunk of child.stdout ?? []) {
    text += String(chunk);
    const newline = text.indexOf("\n");
    if (newline >= 0) return JSON.parse(text.slice(0, newline)) as T;
  }
  await once(child, "exit").catch(() => undefined);
  throw new Error(`child printed no line; stderr:\n${errText}`);
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Polls until `check` holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}
