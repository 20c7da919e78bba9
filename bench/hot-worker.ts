/**
 * A worker process of the hot-atom rows (bench/hot.bench.ts): `loops` concurrent swappers of one
 * counter, hand-written or atoms, `swaps` increments each. It prints `{"ready":true}`, waits for
 * a line on stdin (so that the processes start swapping together, their start-up untimed), swaps,
 * prints what it did as one JSON line and exits.
 */
import { createInterface } from "node:readline";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createStore } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { handSwaps } from "./hand-written.js";
import { countingPuts } from "./harness.js";
import { CONTENDED_RETRY, HotCounter } from "./hot-atom.js";

/** What the parent passes, as JSON in argv[2]. */
export interface WorkerArgs {
  readonly endpoint: string;
  readonly table: string;
  readonly mode: "atoms" | "hand";
  readonly name: string;
  readonly loops: number;
  readonly swaps: number;
}

/** What the worker prints when done: wall-clock times (ms since the epoch) and its requests. */
export interface WorkerReport {
  readonly start: number;
  readonly end: number;
  readonly requests: number;
  readonly puts: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as WorkerArgs;
const client = new DynamoDBClient(localClientConfig(args.endpoint));
const sent = countingPuts(client);
const store = createStore({
  table: args.table,
  atoms: [HotCounter],
  client,
  retry: CONTENDED_RETRY,
});
const { name } = args;

const lines = createInterface({ input: process.stdin });
const go = new Promise<void>((resolve) => lines.once("line", () => resolve()));
console.log(JSON.stringify({ ready: true }));
await go;
lines.close();
const now = () => performance.timeOrigin + performance.now();
const start = now();
await Promise.all(
  Array.from({ length: args.loops }, async () => {
    if (args.mode === "hand") {
      await handSwaps(client, args.table, name, args.swaps);
      return;
    }
    const atom = store.atom(HotCounter, { name }, { init: { name, n: 0 } });
    for (let i = 0; i < args.swaps; i++) await atom.swap((c) => ({ ...c, n: c.n + 1 }));
  }),
);
const report: WorkerReport = { start, end: now(), requests: sent.n, puts: sent.puts };
console.log(JSON.stringify(report));
client.destroy();
