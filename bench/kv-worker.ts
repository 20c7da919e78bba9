/**
 * The child process of the kv bench's memory rows (bench/kv.bench.ts): streams `mb` MB made on
 * the fly into a blob and reads it back as a stream, with `kv.setBlob` / `kv.openBlob().stream`
 * or with the hand-written loop (bench/kv-raw.ts), then prints one JSON line: the times and the
 * peak resident memory above what the process held just before (after a warm-up request and a
 * GC, so that start-up and the SDK's first request are not counted).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createStore } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { generatedStream, rawDeleteBlob, rawOpenBlob, rawSetBlob } from "./kv-raw.js";

/** What the parent passes, as JSON in argv[2]. */
export interface KvWorkerArgs {
  readonly endpoint: string;
  readonly table: string;
  readonly mode: "kv" | "raw";
  readonly name: string;
  readonly mb: number;
}

/** What the child prints when done. */
export interface KvWorkerReport {
  readonly writeMs: number;
  readonly readMs: number;
  /** RSS just before the write, MB. */
  readonly baselineMb: number;
  /** Peak RSS during the write and the read, above the baseline, MB. */
  readonly peakAboveMb: number;
  readonly bytesRead: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as KvWorkerArgs;
const total = args.mb * 1024 * 1024;
const client = new DynamoDBClient(localClientConfig(args.endpoint));
const kv = createStore({ table: args.table, atoms: [], client }).kv("bench");
const gc = (globalThis as { gc?: () => void }).gc;

// Warm-up: the SDK's first request loads and sets up what every later one shares.
if (args.mode === "kv") await kv.openBlob(`${args.name}-absent`);
else await rawOpenBlob(client, args.table, `${args.name}-absent`);
gc?.();
gc?.();

const MB = 1024 * 1024;
const baseline = process.memoryUsage.rss();
const maxBefore = process.resourceUsage().maxRSS * 1024;
// maxRSS is the peak over the process's life: if start-up peaked higher than the blob does, it
// does not move, so the RSS is also sampled while the blob is written and read.
let sampled = baseline;
const sampler = setInterval(() => {
  sampled = Math.max(sampled, process.memoryUsage.rss());
}, 5);

let bytesRead = 0;
const started = performance.now();
let written: number;
if (args.mode === "kv") {
  const info = await kv.setBlob(args.name, generatedStream(total));
  if (info.size !== total) throw new Error(`kv worker: setBlob stored ${info.size} bytes`);
  written = performance.now();
  const blob = await kv.openBlob(args.name);
  if (blob === undefined) throw new Error("kv worker: the blob is not there");
  for await (const chunk of blob.stream) bytesRead += chunk.length;
} else {
  await rawSetBlob(client, args.table, args.name, generatedStream(total));
  written = performance.now();
  const blob = await rawOpenBlob(client, args.table, args.name);
  if (blob === undefined) throw new Error("raw worker: the blob is not there");
  for await (const chunk of blob.stream) bytesRead += chunk.length;
}
const ended = performance.now();
clearInterval(sampler);
sampled = Math.max(sampled, process.memoryUsage.rss());
const maxAfter = process.resourceUsage().maxRSS * 1024;
const peak = maxAfter > maxBefore ? Math.max(maxAfter, sampled) : sampled;
if (bytesRead !== total)
  throw new Error(`${args.mode} worker: read ${bytesRead} of ${total} bytes`);

// Not timed: the blob goes, so that DynamoDB Local holds no more than one at a time.
if (args.mode === "kv") await kv.deleteBlob(args.name);
else {
  const blob = await rawOpenBlob(client, args.table, args.name);
  if (blob !== undefined) await rawDeleteBlob(client, args.table, blob);
}
client.destroy();

const report: KvWorkerReport = {
  writeMs: written - started,
  readMs: ended - written,
  baselineMb: baseline / MB,
  peakAboveMb: (peak - baseline) / MB,
  bytesRead,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
