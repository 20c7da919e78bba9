/**
 * A worker process for the batch linearizability test: on a few shared keys it mixes
 * `putItems` and `deleteItems` of small batches with atom `reset` and `swap` (the concurrent
 * writer) and `findItems` / `deref` reads, and prints its history as one JSON line: one entry
 * per key an operation touched, with the operation's real-time interval and that key's outcome.
 * Every value it writes is unique (`<worker>-<seq>`), as the register checker needs.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchIncompleteError, createStore, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { Register } from "../atoms.js";
import type { BatchWriterArgs, KeyedOp } from "../batch-writers.js";
import { now } from "../linearizable.js";
import type { Outcome } from "../linearizable-register.js";
import { seeded } from "../random.js";

const args = JSON.parse(process.argv[2] ?? "{}") as BatchWriterArgs;
const client = new DynamoDBClient({
  ...localClientConfig(args.endpoint),
  ...(args.sdkAttempts === undefined ? {} : { maxAttempts: args.sdkAttempts }),
});
const sent = { batchWrites: 0, settleReads: 0, findReads: 0, atomWrites: 0, sdkResends: 0 };
client.middlewareStack.add(
  (next, context) => async (input) => {
    const command = context.commandName;
    if (command === "BatchWriteItemCommand") sent.batchWrites++;
    if (command === "PutItemCommand") sent.atomWrites++;
    if (command === "BatchGetItemCommand") {
      // The read after a lost answer asks only for the keys and write ids.
      const items = (
        input.input as { RequestItems?: Record<string, { ProjectionExpression?: string }> }
      ).RequestItems;
      const projected = Object.values(items ?? {}).some(
        (r) => r.ProjectionExpression !== undefined,
      );
      if (projected) sent.settleReads++;
      else sent.findReads++;
    }
    const result = await next(input);
    const attempts = (result.output as { $metadata?: { attempts?: number } }).$metadata?.attempts;
    if (attempts !== undefined && attempts > 1) sent.sdkResends++;
    return result;
  },
  { step: "initialize", name: "countRequests" },
);
const store = createStore({ table: args.table, atoms: [Register], client });
const batchOptions = { retry: { baseDelayMs: 5, maxDelayMs: 50 } };
const batchKeys = args.batchKeys ?? args.keys;
const atoms = new Map(args.keys.map((name) => [name, store.atom(Register, { name })] as const));

// Seeded, so that a failing run's choices can be replayed.
const random = seeded(args.seed ^ Math.imul(args.worker + 1, 0x9e3779b1));
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
/** `count` distinct keys of `from`, at random (fewer if it has fewer). */
const someKeys = (count: number, from = args.keys): string[] => {
  const left = [...from];
  return Array.from(
    { length: Math.min(count, left.length) },
    () => left.splice(Math.floor(random() * left.length), 1)[0] as string,
  );
};

const ops: KeyedOp[] = [];
const errors: Record<string, number> = {};
const noteError = (what: string, err: unknown) => {
  const code = isDynatomError(err) ? err.code : ((err as Error)?.name ?? "unknown");
  const name = `${what}: ${code}`;
  errors[name] = (errors[name] ?? 0) + 1;
};
let seq = 0;
const fresh = () => `${args.worker}-${seq++}`;

/** Each key's outcome of a batch write that threw: listed failed, listed unknown, else done. */
function batchOutcomes(keys: readonly string[], err: unknown, what: string): Outcome[] {
  noteError(what, err);
  if (!(err instanceof BatchIncompleteError)) return keys.map(() => "unknown");
  const failed = new Set(err.details.failed.map((fields) => fields.name));
  const unknown = new Set(err.details.unknown.map((fields) => fields.name));
  return keys.map((key) => (failed.has(key) ? false : unknown.has(key) ? "unknown" : true));
}

const deadline = now() + args.durationMs;
for (let i = 0; i < args.count && now() < deadline; i++) {
  const roll = random();
  const label = `w${args.worker}#${i}`;
  const start = now();
  if (roll < 0.28) {
    const keys = someKeys(1 + Math.floor(random() * 3), batchKeys);
    const values = keys.map(() => fresh());
    let outcomes: Outcome[];
    try {
      await store.putItems(
        Register,
        keys.map((name, j) => ({ name, v: values[j] as string })),
        batchOptions,
      );
      outcomes = keys.map(() => true);
    } catch (err) {
      outcomes = batchOutcomes(keys, err, "putItems");
    }
    const end = now();
    keys.forEach((key, j) => {
      const value = values[j] as string;
      const ok = outcomes[j] as Outcome;
      ops.push({ key, kind: "write", start, end, value, ok, label: `${label} putItems` });
    });
  } else if (roll < 0.43) {
    const keys = someKeys(1 + Math.floor(random() * 2), batchKeys);
    let outcomes: Outcome[];
    try {
      await store.deleteItems(
        Register,
        keys.map((name) => ({ name })),
        batchOptions,
      );
      outcomes = keys.map(() => true);
    } catch (err) {
      outcomes = batchOutcomes(keys, err, "deleteItems");
    }
    const end = now();
    keys.forEach((key, j) => {
      ops.push({
        key,
        kind: "delete",
        start,
        end,
        ok: outcomes[j] as Outcome,
        label: `${label} deleteItems`,
      });
    });
  } else if (roll < 0.68) {
    const key = pick(args.keys);
    const atom = atoms.get(key);
    if (atom === undefined) throw new Error(`no atom for ${key}`);
    const value = fresh();
    const how = roll < 0.56 ? "reset" : "swap";
    try {
      // Both are conditional writes that return the value they replaced: a read-modify-write.
      const [old] =
        how === "reset"
          ? await atom.resetVals({ name: key, v: value })
          : await atom.swapVals(() => ({ name: key, v: value }));
      const end = now();
      ops.push({
        key,
        kind: "swap",
        start,
        end,
        old: old?.v ?? null,
        value,
        label: `${label} ${how}`,
      });
    } catch (err) {
      const end = now();
      noteError(how, err);
      // Out of retries under contention, nothing was written; anything else may have been.
      const ok: Outcome = isDynatomError(err, "atom.swap-conflict") ? false : "unknown";
      ops.push({ key, kind: "write", start, end, value, ok, label: `${label} ${how}` });
    }
  } else if (roll < 0.84) {
    const keys = someKeys(2 + Math.floor(random() * (args.keys.length - 1)));
    try {
      const found = await store.findItems(
        Register,
        keys.map((name) => ({ name })),
        batchOptions,
      );
      const end = now();
      keys.forEach((key, j) => {
        ops.push({
          key,
          kind: "read",
          start,
          end,
          value: found[j]?.v ?? null,
          label: `${label} findItems`,
        });
      });
    } catch (err) {
      // A read that did not answer tells nothing; it is not recorded.
      noteError("findItems", err);
    }
  } else {
    const key = pick(args.keys);
    try {
      const value = await atoms.get(key)?.deref();
      ops.push({
        key,
        kind: "read",
        start,
        end: now(),
        value: value?.v ?? null,
        label: `${label} deref`,
      });
    } catch (err) {
      noteError("deref", err);
    }
  }
}
console.log(JSON.stringify({ ops, errors, sent }));
client.destroy();
