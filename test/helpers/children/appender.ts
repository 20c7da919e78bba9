/**
 * A worker process for the log concurrency test: appends `count` entries `{ writer, i }` to one
 * log, one after the other, and prints one JSON line: the seq each acknowledged append got, and
 * the appends whose outcome was unknown or that failed.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createStore, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";

interface AppenderArgs {
  readonly endpoint: string;
  readonly table: string;
  readonly namespace: string;
  readonly log: string;
  readonly writer: number;
  readonly count: number;
}

const args = JSON.parse(process.argv[2] ?? "{}") as AppenderArgs;
// One SDK attempt: every resend is dynatom's own, as the test means to check.
const client = new DynamoDBClient({ ...localClientConfig(args.endpoint), maxAttempts: 1 });
const store = createStore({
  table: args.table,
  atoms: [],
  client,
  retry: { maxAttempts: 10_000, deadlineMs: 300_000, maxDelayMs: 200 },
});
const kv = store.kv(args.namespace);
const acked: { i: number; seq: number }[] = [];
const unknown: number[] = [];
const failed: { i: number; error: string }[] = [];
for (let i = 0; i < args.count; i++) {
  try {
    const { seq } = await kv.append(args.log, { writer: args.writer, i });
    acked.push({ i, seq });
  } catch (err) {
    if (isDynatomError(err, "atom.outcome-unknown")) unknown.push(i);
    else failed.push({ i, error: String(err) });
  }
}
await store.close();
client.destroy();
process.stdout.write(`${JSON.stringify({ writer: args.writer, acked, unknown, failed })}\n`);
