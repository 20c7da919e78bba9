import { runJsonChild } from "./children.js";
import type { RegisterOp } from "./linearizable-register.js";

/** What one batch-writer worker is told to do (see children/batch-writer.ts). */
export interface BatchWriterArgs {
  endpoint: string;
  table: string;
  /** The worker's number: part of every value it writes, and of its random seed. */
  worker: number;
  /** The shared keys (`name` of a Register atom): read, reset and swapped. */
  keys: readonly string[];
  /** The keys this worker's putItems and deleteItems write; all of `keys` when omitted. */
  batchKeys?: readonly string[];
  /** At most this many operations... */
  count: number;
  /** ...and none started after this many ms. */
  durationMs: number;
  seed: number;
  /** The SDK's own attempts per request; 1 leaves every resend to dynatom. */
  sdkAttempts?: number;
}

/** One operation's effect on one key, as the register checker takes it. */
export type KeyedOp = RegisterOp & { key: string };

export interface BatchWriterResult {
  readonly ops: readonly KeyedOp[];
  /** Errors by operation and code, e.g. `"putItems: batch.incomplete"`. */
  readonly errors: Readonly<Record<string, number>>;
  /**
   * Commands sent, by kind (`settleReads`: the reads after a lost batch answer), and
   * `sdkResends`: commands that succeeded only after the SDK's own retries.
   */
  readonly sent: {
    readonly batchWrites: number;
    readonly settleReads: number;
    readonly findReads: number;
    readonly atomWrites: number;
    readonly sdkResends: number;
  };
}

/** Runs one batch-writer worker per args at once and collects their results. */
export async function runBatchWriters(
  workers: readonly BatchWriterArgs[],
): Promise<BatchWriterResult[]> {
  return Promise.all(workers.map((args) => runJsonChild<BatchWriterResult>("batch-writer", args)));
}
