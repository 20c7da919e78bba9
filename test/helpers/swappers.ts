import { once } from "node:events";
import { spawnChild } from "./children.js";

export interface SwapperResult {
  readonly ops: readonly Record<string, unknown>[];
  readonly outcomes: { readonly ok: number; readonly failed: number; readonly unknown: number };
  readonly sent: { readonly get: number; readonly put: number };
}

/** What one swapper worker is told to do (see children/swapper.ts). */
export interface SwapperArgs {
  endpoint: string;
  table: string;
  name: string;
  count: number;
  mode: "atom" | "transact" | "unsafe" | "update";
  readEvery?: number;
  /** The retry policy's budget; the tests give a generous one so that only a bug can fail a swap. */
  maxAttempts?: number;
  /** The retry policy's backoff (full jitter); default: dynatom's. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Handles in the process, each running `count` swaps at once with the others (default 1). */
  handles?: number;
  /** The SDK's own attempts per request; 1 leaves every resend to dynatom. */
  sdkAttempts?: number;
}

/** Runs `processes` swapper workers at once (see children/swapper.ts) and collects their results. */
export async function runSwappers(processes: number, args: SwapperArgs): Promise<SwapperResult[]> {
  return Promise.all(
    Array.from({ length: processes }, async () => {
      const child = spawnChild("swapper", [JSON.stringify(args)], {
        ...process.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      });
      let out = "";
      let err = "";
      child.stdout?.on("data", (chunk: Buffer) => {
        out += chunk.toString();
      });
      child.stderr?.on("data", (chunk: Buffer) => {
        err += chunk.toString();
      });
      const [code] = await once(child, "exit");
      if (code !== 0) throw new Error(`swapper exited with ${code}: ${err}`);
      return JSON.parse(out.trim().split("\n").at(-1) ?? "{}") as SwapperResult;
    }),
  );
}
