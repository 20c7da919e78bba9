/**
 * A worker process for the concurrency tests: swaps one counter atom `count` times (in
 * `transact` mode, in a transaction that also takes one from a mirror counter; in `unsafe` mode,
 * reads and writes it without a condition, to show what that loses), sometimes
 * reads it, and prints its history as one JSON line: every operation with its real-time interval
 * and outcome, for the linearizability checker.
 */
import { DynamoDBClient, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { createStore, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { Counter } from "../atoms.js";
import type { SwapperArgs } from "../swappers.js";

const args = JSON.parse(process.argv[2] ?? "{}") as SwapperArgs;
const now = () => performance.timeOrigin + performance.now();
const client = new DynamoDBClient({
  ...localClientConfig(args.endpoint),
  ...(args.sdkAttempts === undefined ? {} : { maxAttempts: args.sdkAttempts }),
});
const sent = { get: 0, put: 0 };
client.middlewareStack.add(
  (next, context) => async (input) => {
    if (context.commandName === "GetItemCommand") sent.get++;
    if (context.commandName === "PutItemCommand") sent.put++;
    if (context.commandName === "UpdateItemCommand") sent.put++;
    if (context.commandName === "TransactWriteItemsCommand") sent.put++;
    return next(input);
  },
  { step: "initialize" },
);
const store = createStore({
  table: args.table,
  atoms: [Counter],
  client,
  retry: {
    maxAttempts: args.maxAttempts ?? 50,
    deadlineMs: 300_000,
    ...(args.baseDelayMs === undefined ? {} : { baseDelayMs: args.baseDelayMs }),
    ...(args.maxDelayMs === undefined ? {} : { maxDelayMs: args.maxDelayMs }),
  },
});
const name = args.name;
const handle = () => store.atom(Counter, { name }, { init: { name, n: 0 } });
// In `transact` mode each swap also takes one from this counter, in the same transaction.
const mirror = store.atom(
  Counter,
  { name: `${name}-mirror` },
  { init: { name: `${name}-mirror`, n: 0 } },
);
const ops: unknown[] = [];
const outcomes = { ok: 0, failed: 0, unknown: 0 };

/** One handle's loop of swaps (and reads), recording each operation. */
async function swaps(atom: ReturnType<typeof handle>): Promise<void> {
  for (let i = 0; i < args.count; i++) {
    if (args.readEvery && i % args.readEvery === 0) {
      const start = now();
      try {
        const value = await atom.deref();
        ops.push({ kind: "read", start, end: now(), value: value.n });
      } catch {
        // A read lost to the network tells nothing; it is simply not recorded.
      }
    }
    const start = now();
    if (args.mode === "unsafe") {
      const { Item } = await client.send(
        new GetItemCommand({
          TableName: args.table,
          Key: Counter.keyOf({ name }),
          ConsistentRead: true,
        }),
      );
      const n = Item ? (Counter.decode(Item).n ?? 0) : 0;
      await client.send(
        new PutItemCommand({ TableName: args.table, Item: Counter.encode({ name, n: n + 1 }) }),
      );
      outcomes.ok++;
      continue;
    }
    try {
      if (args.mode === "transact") {
        await store.transact((tx) => [
          tx.swap(atom, (c) => ({ ...c, n: c.n + 1 })),
          tx.swap(mirror, (c) => ({ ...c, n: c.n - 1 })),
        ]);
      } else if (args.mode === "update") {
        await store.update(Counter, { name }).add({ n: 1 }).upsert().go();
      } else {
        await atom.swap((c) => ({ ...c, n: c.n + 1 }));
      }
      outcomes.ok++;
      ops.push({ kind: "add", start, end: now(), delta: 1, ok: true });
    } catch (err) {
      if (
        isDynatomError(err, "atom.outcome-unknown") ||
        isDynatomError(err, "transaction.outcome-unknown")
      ) {
        outcomes.unknown++;
        ops.push({ kind: "add", start, end: now(), delta: 1, ok: "unknown", error: String(err) });
      } else {
        outcomes.failed++;
        ops.push({ kind: "add", start, end: now(), delta: 1, ok: false, error: String(err) });
      }
    }
  }
}

// Several handles of one store swap at once: their changes combine into shared writes.
await Promise.all(Array.from({ length: args.handles ?? 1 }, () => swaps(handle())));
console.log(JSON.stringify({ ops, outcomes, sent }));
client.destroy();
