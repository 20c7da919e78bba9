import { runJsonChild } from "./children.js";

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
    Array.from({ length: processes }, () => runJsonChild<SwapperResult>("swapper", args)),
  );
}
