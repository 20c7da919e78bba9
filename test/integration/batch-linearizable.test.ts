import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import test, { type ExecutionContext } from "ava";
import { BatchIncompleteError, createStore } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { Register } from "../helpers/atoms.js";
import {
  type BatchWriterArgs,
  type BatchWriterResult,
  runBatchWriters,
} from "../helpers/batch-writers.js";
import { matchOperations, startFaultProxy } from "../helpers/fault-proxy.js";
import { now } from "../helpers/linearizable.js";
import {
  checkRegisterHistory,
  checkRegisters,
  type RegisterOp,
} from "../helpers/linearizable-register.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

let table = "";
test.before(async () => {
  table = dynamo().tableName("registers");
  await createStore({ table, atoms: [Register], client: dynamo().client }).ensureTable({
    stream: false,
  });
});

/** `DYNATOM_TEST_SEED=<n>` replays a run's choices (the interleaving still varies). */
const seed = Number(process.env.DYNATOM_TEST_SEED ?? Date.now() % 100_000);

interface Scenario {
  /** Prefix of the keys, so that scenarios sharing the table do not meet. */
  prefix: string;
  /** The keys worker `w` writes with putItems and deleteItems. */
  batchKeys: (keys: readonly string[], worker: number) => readonly string[];
  /** The SDK's own attempts per request; 1 leaves every resend to dynatom. */
  sdkAttempts?: number;
  /** Whether batches must have read after lost answers (not when the SDK resends first). */
  settles?: boolean;
}

/**
 * 4 worker processes on 8 shared keys, through a proxy that drops a quarter of the answers after
 * the server carried the request out: each mixes putItems and deleteItems of small batches, atom
 * resets and swaps, findItems and deref. Then each key's history is checked as a register.
 */
async function run(t: ExecutionContext, scenario: Scenario): Promise<void> {
  const keys = Array.from({ length: 8 }, (_, i) => `${scenario.prefix}${i}`);
  const proxy = await startFaultProxy({
    target: dynamo().endpoint,
    dropRate: 0.25,
    seed,
    match: matchOperations("BatchWriteItem", "PutItem", "BatchGetItem", "GetItem"),
  });
  t.log(`seed ${seed} (DYNATOM_TEST_SEED=${seed} replays its choices)`);
  const began = Date.now();
  let results: BatchWriterResult[];
  try {
    results = await runBatchWriters(
      Array.from(
        { length: 4 },
        (_, worker): BatchWriterArgs => ({
          endpoint: proxy.endpoint,
          table,
          worker,
          keys,
          batchKeys: scenario.batchKeys(keys, worker),
          count: 120,
          // Long enough that a loaded machine still loses enough answers: the count ends it first.
          durationMs: 20_000,
          seed,
          ...(scenario.sdkAttempts === undefined ? {} : { sdkAttempts: scenario.sdkAttempts }),
        }),
      ),
    );
  } finally {
    await proxy.close();
  }
  const ran = Date.now() - began;
  const { requests, dropped } = proxy.stats();

  // The final state, read past the proxy once every worker is done.
  const start = now();
  const final = await createStore({ table, atoms: [Register], client: dynamo().client }).findItems(
    Register,
    keys.map((name) => ({ name })),
  );
  const end = now();
  const histories = new Map<string, RegisterOp[]>(keys.map((key) => [key, []]));
  for (const { key, ...op } of results.flatMap((r) => r.ops)) histories.get(key)?.push(op);
  keys.forEach((key, i) => {
    const value = final[i]?.v ?? null;
    histories.get(key)?.push({ kind: "read", start, end, value, label: "final" });
  });

  const ops = results.flatMap((r) => r.ops);
  const outcomes = (kind: string) =>
    [true, false, "unknown"]
      .map((ok) => ops.filter((op) => op.kind === kind && "ok" in op && op.ok === ok).length)
      .join("/");
  const sent = (field: keyof BatchWriterResult["sent"]) =>
    results.reduce((total, r) => total + r.sent[field], 0);
  const errors: Record<string, number> = {};
  for (const r of results) {
    for (const [name, n] of Object.entries(r.errors)) errors[name] = (errors[name] ?? 0) + n;
  }
  t.log(
    `${ops.length} key operations in ${ran} ms; ${dropped} of ${requests} answers dropped after ` +
      `commit; ${sent("batchWrites")} batch writes, ${sent("settleReads")} reads after a lost ` +
      `batch answer, ${sent("atomWrites")} atom writes, ${sent("sdkResends")} SDK resends`,
  );
  t.log(
    `ok/failed/unknown: writes ${outcomes("write")}, deletes ${outcomes("delete")}; ` +
      `swaps ${ops.filter((op) => op.kind === "swap").length}, ` +
      `reads ${ops.filter((op) => op.kind === "read").length}; errors ${JSON.stringify(errors)}`,
  );

  // This test could fail: answers were lost, and batches had to settle them by reading.
  t.true(dropped > 40, `only ${dropped} answers dropped`);
  if (scenario.settles !== false)
    t.true(sent("settleReads") > 10, `only ${sent("settleReads")} reads after a lost batch answer`);
  const checking = performance.now();
  const verdict = checkRegisters(histories, { slack: 2 });
  t.log(`checked in ${(performance.now() - checking).toFixed(0)} ms`);
  if (!verdict.linearizable && verdict.key !== undefined) {
    // The failing key's whole history, for a closer look.
    const file = join(tmpdir(), `batch-linearizable-${seed}-${verdict.key}.json`);
    await writeFile(file, JSON.stringify(histories.get(verdict.key), null, 1));
    t.log(`history of ${verdict.key}: ${file}`);
  }
  t.true(verdict.linearizable, verdict.reason);
}

test.serial(
  "batches with one writer per key beside atom writes from all, 4 processes losing answers: linearizable per key",
  async (t) => {
    await run(t, {
      prefix: "owned-",
      // Batch writes never race each other on a key; atom resets and swaps race them all.
      batchKeys: (keys, worker) => keys.filter((_, i) => i % 4 === worker),
      sdkAttempts: 1,
    });
  },
);

// Two scenarios that once showed violations (racing blind writes; the SDK resending a batch by
// itself), each also reproduced one by one by the tests at the end.
test.serial(
  "batch writers racing on every key, 4 processes losing answers: linearizable per key",
  async (t) => {
    await run(t, { prefix: "shared-", batchKeys: (keys) => keys, sdkAttempts: 1 });
  },
);

test.serial(
  "one batch writer per key with the SDK's own retries on: linearizable per key",
  async (t) => {
    await run(t, {
      prefix: "sdk-",
      batchKeys: (keys, worker) => keys.filter((_, i) => i % 4 === worker),
      settles: false,
    });
  },
);

/**
 * A store whose first BatchWriteItem commits, then runs `meanwhile`, then loses its answer (a
 * reset connection). `sdkAttempts` undefined keeps the SDK's own retries, as a default client has.
 */
function losingFirstBatchAnswer(meanwhile: () => Promise<void>, sdkAttempts?: number) {
  const client = new DynamoDBClient({
    ...localClientConfig(dynamo().endpoint),
    ...(sdkAttempts === undefined ? {} : { maxAttempts: sdkAttempts }),
  });
  let lost = false;
  // In finalizeRequest, inside the SDK's retry loop: each attempt passes here.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (lost || context.commandName !== "BatchWriteItemCommand") return next(args);
      lost = true;
      await next(args);
      await meanwhile();
      throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    },
    { step: "finalizeRequest", name: "loseFirstBatchAnswer" },
  );
  return {
    client,
    store: createStore({ table, atoms: [Register], client }),
  };
}

/** Runs `fn` as one operation of a register history: its interval, and how it ended. */
async function recorded(
  history: RegisterOp[],
  op: (start: number, end: number, ok: true | false | "unknown") => RegisterOp,
  fn: () => Promise<void>,
): Promise<void> {
  const start = now();
  let ok: true | false | "unknown" = true;
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof BatchIncompleteError)) throw err;
    ok = err.details.unknown.length > 0 ? "unknown" : false;
  }
  history.push(op(start, now(), ok));
}

// Violations found by the scenarios above, each reproduced deterministically.

test("a putItems resent after a lost answer, over a blind put made since, lands twice", async (t) => {
  const name = "twice-blind";
  const other = createStore({ table, atoms: [Register], client: dynamo().client });
  const history: RegisterOp[] = [];
  const read = async () => {
    const start = now();
    const value = (await other.atom(Register, { name }).deref())?.v ?? null;
    history.push({ kind: "read", start, end: now(), value });
  };
  const { client, store } = losingFirstBatchAnswer(async () => {
    await read(); // sees "a": the lost put applied
    await recorded(
      history,
      (start, end, ok) => ({ kind: "write", start, end, value: "b", ok }),
      () => other.putItems(Register, [{ name, v: "b" }]),
    );
    await read(); // sees "b"
  }, 1);
  try {
    await recorded(
      history,
      (start, end, ok) => ({ kind: "write", start, end, value: "a", ok }),
      () => store.putItems(Register, [{ name, v: "a" }]),
    );
    await read(); // "a" again: the put applied twice, over the acknowledged "b"
    const verdict = checkRegisterHistory(history);
    t.true(verdict.linearizable, verdict.reason);
  } finally {
    client.destroy();
  }
});

test("a putItems whose answer the SDK's own retry loses is sent again blindly, over an acknowledged swap", async (t) => {
  const name = "twice-sdk";
  const other = createStore({ table, atoms: [Register], client: dynamo().client });
  const history: RegisterOp[] = [];
  const { client, store } = losingFirstBatchAnswer(async () => {
    const start = now();
    const [old] = await other.atom(Register, { name }).swapVals(() => ({ name, v: "s" }));
    history.push({ kind: "swap", start, end: now(), old: old?.v ?? null, value: "s" });
  });
  try {
    await recorded(
      history,
      (start, end, ok) => ({ kind: "write", start, end, value: "a", ok }),
      () => store.putItems(Register, [{ name, v: "a" }]),
    );
    const start = now();
    const value = (await other.atom(Register, { name }).deref())?.v ?? null;
    history.push({ kind: "read", start, end: now(), value });
    t.log(`after the swap of "a" into "s": ${JSON.stringify(value)}`);
    const verdict = checkRegisterHistory(history);
    t.true(verdict.linearizable, verdict.reason);
  } finally {
    client.destroy();
  }
});
