import {
  DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import test from "ava";
import {
  createStore,
  defineAtom,
  isDynatomError,
  type Store,
  TransactionError,
  ValidationError,
} from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { Account, Counter } from "../helpers/atoms.js";
import { matchOperations, startFaultProxy } from "../helpers/fault-proxy.js";
import { recordRequests } from "../helpers/requests.js";
import { runSwappers } from "../helpers/swappers.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

const Blob = defineAtom({
  name: "blob",
  version: 1,
  schema: v.object({ id: v.string(), data: v.string() }),
  key: ["id"],
});

let table = "";
test.before(async () => {
  table = dynamo().tableName("tx");
  await createStore({
    table,
    atoms: [Counter, Account, Blob],
    client: dynamo().client,
  }).ensureTable({ stream: false });
});

let n = 0;
function open(endpoint = dynamo().endpoint) {
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const requests = recordRequests(client);
  const store = createStore({
    table,
    atoms: [Counter, Account, Blob],
    client,
    retry: { baseDelayMs: 1, maxDelayMs: 20 },
  });
  return { client, store, requests, name: `c${++n}` };
}

const counter = (store: Store<[typeof Counter]>, name: string) =>
  store.atom(Counter, { name }, { init: { name, n: 0 } });

const account = {
  tenant: "t1",
  id: "tx-a1",
  email: "a@example.com",
  balance: 5n,
  createdAt: new Date("2026-01-01T00:00:00Z"),
  score: 1.5,
  tags: new Set(["x"]),
  prefs: new Map<string, unknown>(),
};

async function raw(key: Record<string, { S: string }>) {
  const { Item } = await dynamo().client.send(
    new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  return Item;
}

test("put, swap, delete and check commit together and return each result", async (t) => {
  const { store, name, requests } = open();
  const a = counter(store, `${name}-a`);
  const gone = `${name}-gone`;
  await counter(store, gone).reset({ name: gone, n: 1 });
  await a.reset({ name: `${name}-a`, n: 10 });
  const watched: number[] = [];
  a.watch("w", (_k, _atom, _old, next) => watched.push(next.n));
  requests.clear();
  const [put, swapped, deleted, checked] = await store.transact((tx) => [
    tx.put(Account, account),
    tx.swap(a, (c) => ({ ...c, n: c.n + 1 })),
    tx.delete(Counter, { name: gone }),
    tx.check(counter(store, `${name}-absent`), (c) => c.n === 0),
  ]);
  t.deepEqual(put, account);
  t.deepEqual(swapped, { name: `${name}-a`, n: 11 });
  t.is(deleted, undefined);
  t.deepEqual(checked, { name: `${name}-absent`, n: 0 });
  t.deepEqual(requests.sent.filter((c) => c === "TransactWriteItemsCommand").length, 1);
  t.deepEqual(watched, [11], "the atom's watches saw the change");
  t.is(a.version, 2);
  t.deepEqual(await store.atom(Account, { tenant: "t1", id: "tx-a1" }).deref(), account);
  t.is(await store.atom(Counter, { name: gone }).deref(), undefined);
  // The handle knows its new version: the next swap is one request.
  requests.clear();
  await a.swap((c) => ({ ...c, n: c.n + 1 }));
  t.deepEqual(requests.sent, ["PutItemCommand"]);
});

test("a failed condition writes nothing and names the operation", async (t) => {
  const { store, name } = open();
  const a = counter(store, `${name}-a`);
  await a.reset({ name: `${name}-a`, n: 1 });
  await store.putItems(Counter, [{ name: `${name}-taken`, n: 7 }]);
  const err = await t.throwsAsync(
    store.transact((tx) => [
      tx.swap(a, (c) => ({ ...c, n: c.n + 1 })),
      tx.put(Counter, { name: `${name}-new`, n: 1 }),
      tx.put(Counter, { name: `${name}-taken`, n: 8 }, { ifAbsent: true }),
    ]),
    { instanceOf: TransactionError },
  );
  t.is(err.code, "transaction.cancelled");
  if (isDynatomError(err, "transaction.cancelled")) {
    t.deepEqual(err.details.failures, [
      {
        index: 2,
        kind: "put",
        atom: "counter",
        key: JSON.stringify({ name: `${name}-taken` }),
        reason: "the item already exists (ifAbsent)",
      },
    ]);
  }
  t.regex(err.message, /operation 2 \(put counter/);
  t.deepEqual(await a.deref(), { name: `${name}-a`, n: 1 });
  t.is(await store.atom(Counter, { name: `${name}-new` }).deref(), undefined);
  t.deepEqual(await store.atom(Counter, { name: `${name}-taken` }).deref(), {
    name: `${name}-taken`,
    n: 7,
  });

  const missing = await t.throwsAsync(
    store.transact((tx) => [tx.delete(Counter, { name: `${name}-nobody` }, { ifExists: true })]),
  );
  t.true(isDynatomError(missing, "transaction.cancelled"));
  t.regex(missing?.message ?? "", /there is no such item/);
});

test("a stale cached value never decides alone: check and swap functions see the stored value", async (t) => {
  const { store, name } = open();
  const other = open();
  const a = counter(store, `${name}-a`);
  await a.reset({ name: `${name}-a`, n: 0 });
  await counter(other.store, `${name}-a`).reset({ name: `${name}-a`, n: 100 });
  // `a` still holds n: 0 in its cache.
  const [checked, next] = await store.transact((tx) => [
    tx.check(a, (c) => c.n >= 50),
    tx.swap(counter(store, `${name}-b`), (c) => ({ ...c, n: c.n + 1 })),
  ]);
  t.deepEqual(checked, { name: `${name}-a`, n: 100 });
  t.deepEqual(next, { name: `${name}-b`, n: 1 });
  await counter(other.store, `${name}-a`).reset({ name: `${name}-a`, n: 500 });
  const [paid] = await store.transact((tx) => [
    tx.swap(a, (c) => {
      if (c.n < 300) throw new Error("insufficient");
      return { ...c, n: c.n - 300 };
    }),
  ]);
  t.deepEqual(paid, { name: `${name}-a`, n: 200 });
});

test("a watch that throws after the commit leaves every handle knowing its new version", async (t) => {
  const { store, name } = open();
  const w1 = counter(store, `${name}-1`);
  const w2 = counter(store, `${name}-2`);
  const seen: number[] = [];
  w1.watch("boom", () => {
    throw new Error("watch bug");
  });
  w2.watch("log", (_k, _a, _old, next) => seen.push(next.n));
  const err = await t.throwsAsync(
    store.transact((tx) => [
      tx.swap(w1, (c) => ({ ...c, n: c.n + 1 })),
      tx.swap(w2, (c) => ({ ...c, n: c.n + 1 })),
    ]),
  );
  t.true(isDynatomError(err, "atom.watch-failed"));
  t.is(w1.version, 1);
  t.is(w2.version, 1);
  t.deepEqual(seen, [1], "the other watches still ran");
  t.deepEqual(await w2.deref(), { name: `${name}-2`, n: 1 });
});

test("a resend run as a new transaction finds its own write id and does not apply twice", async (t) => {
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  const store = createStore({
    table,
    atoms: [Counter],
    client,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
  const name = `c${++n}-resend`;
  const a = counter(store, name);
  await a.reset({ name, n: 0 });
  let calls = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "TransactWriteItemsCommand") return next(args);
      calls++;
      if (calls === 1) {
        await next(args);
        // Committed, but the answer is "lost".
        throw Object.assign(new Error("socket hang up (injected)"), { name: "TimeoutError" });
      }
      // As if the token had expired: DynamoDB runs the resend as a new transaction.
      const input = args.input as { ClientRequestToken?: string };
      return next({ ...args, input: { ...input, ClientRequestToken: `expired-${calls}` } });
    },
    { step: "initialize", name: "loseThenForget" },
  );
  const [next] = await store.transact((tx) => [tx.swap(a, (c) => ({ ...c, n: c.n + 1 }))]);
  t.deepEqual(next, { name, n: 1 });
  t.is(calls, 2);
  t.deepEqual(await a.deref(), { name, n: 1 }, "applied once");
});

test("a false check cancels before anything is sent", async (t) => {
  const { store, name, requests } = open();
  const a = counter(store, `${name}-a`);
  await a.reset({ name: `${name}-a`, n: 3 });
  requests.clear();
  const err = await t.throwsAsync(
    store.transact((tx) => [
      tx.put(Counter, { name: `${name}-b`, n: 1 }),
      tx.check(a, (c) => c.n > 5),
    ]),
  );
  t.true(isDynatomError(err, "transaction.cancelled"));
  t.regex(err?.message ?? "", /operation 1 \(check counter .*the check returned false/);
  t.false(requests.sent.includes("TransactWriteItemsCommand"));
  t.is(await store.atom(Counter, { name: `${name}-b` }).deref(), undefined);
});

test("101 operations, 4 MB, or one item twice are refused with no request sent", async (t) => {
  const { store, name, requests } = open();
  const many = await t.throwsAsync(
    store.transact((tx) =>
      Array.from({ length: 101 }, (_, i) => tx.put(Counter, { name: `${name}-${i}`, n: i })),
    ),
  );
  t.true(isDynatomError(many, "transaction.too-large"));
  t.regex(many?.message ?? "", /101 operations; a transaction takes at most 100/);

  const big = "x".repeat(390_000);
  const heavy = await t.throwsAsync(
    store.transact((tx) =>
      Array.from({ length: 11 }, (_, i) => tx.put(Blob, { id: `${name}-${i}`, data: big })),
    ),
  );
  t.true(isDynatomError(heavy, "transaction.too-large"));
  t.regex(heavy?.message ?? "", /at most 4194304/);

  const twice = await t.throwsAsync(
    store.transact((tx) => [
      tx.put(Counter, { name: `${name}-x`, n: 1 }),
      tx.delete(Counter, { name: `${name}-x` }),
    ]),
  );
  t.true(isDynatomError(twice, "transaction.duplicate-item"));
  t.regex(twice?.message ?? "", /Operations 0 and 1/);

  const invalid = await t.throwsAsync(
    store.transact((tx) => [tx.put(Counter, { name: `${name}-y`, n: "1" as unknown as number })]),
    { instanceOf: ValidationError },
  );
  t.truthy(invalid);
  t.deepEqual(requests.sent, [], "not one request");
});

test("DynamoDB's TransactionConflict is retried with backoff and the swap applies once", async (t) => {
  const { store, client, name } = open();
  const a = counter(store, `${name}-a`);
  await a.reset({ name: `${name}-a`, n: 0 });
  let conflicts = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "TransactWriteItemsCommand" && conflicts < 3) {
        conflicts++;
        throw new TransactionCanceledException({
          message: "Transaction cancelled (injected)",
          $metadata: { httpStatusCode: 400 },
          CancellationReasons: [{ Code: "TransactionConflict", Message: "injected" }],
        });
      }
      return next(args);
    },
    { step: "initialize", name: "injectConflicts" },
  );
  await store.transact((tx) => [tx.swap(a, (c) => ({ ...c, n: c.n + 1 }))]);
  t.is(conflicts, 3);
  t.deepEqual(await a.deref(), { name: `${name}-a`, n: 1 });
});

test("conflicts that never end give up with transaction.conflict, nothing written", async (t) => {
  const { client, name } = open();
  const store = createStore({
    table,
    atoms: [Counter],
    client,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "TransactWriteItemsCommand") return next(args);
      throw new TransactionCanceledException({
        message: "Transaction cancelled (injected)",
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: [{ Code: "None" }, { Code: "TransactionConflict" }],
      });
    },
    { step: "initialize", name: "alwaysConflict" },
  );
  const err = await t.throwsAsync(
    store.transact((tx) => [
      tx.put(Counter, { name: `${name}-p`, n: 1 }),
      tx.swap(counter(store, `${name}-a`), (c) => ({ ...c, n: c.n + 1 })),
    ]),
  );
  t.true(isDynatomError(err, "transaction.conflict"));
  if (isDynatomError(err, "transaction.conflict")) t.is(err.details.attempts, 3);
  t.is(await raw(Counter.keyOf({ name: `${name}-p` }) as never), undefined);
});

test("a swap in a transaction is exact under concurrency: 6 processes × 30 transactions", async (t) => {
  const name = "tx-concurrent";
  const results = await runSwappers(6, {
    endpoint: dynamo().endpoint,
    table,
    name,
    count: 30,
    mode: "transact",
    maxAttempts: 10_000,
  });
  t.is(
    results.reduce((sum, r) => sum + r.outcomes.ok, 0),
    180,
  );
  const { store } = open();
  t.deepEqual(await store.atom(Counter, { name }).deref(), { name, n: 180 });
  t.deepEqual(await store.atom(Counter, { name: `${name}-mirror` }).deref(), {
    name: `${name}-mirror`,
    n: -180,
  });
});

test("lost answers are resent with the same token: each transaction applies once", async (t) => {
  const proxy = await startFaultProxy({
    target: dynamo().endpoint,
    dropRate: 0.25,
    seed: 11,
    match: matchOperations("TransactWriteItems"),
  });
  try {
    const name = "tx-lossy";
    const results = await runSwappers(4, {
      endpoint: proxy.endpoint,
      table,
      name,
      count: 25,
      mode: "transact",
      maxAttempts: 10_000,
      // No SDK retries: every resend is dynatom's, with its token.
      sdkAttempts: 1,
    });
    const { dropped } = proxy.stats();
    t.true(dropped > 5, `the proxy dropped ${dropped} answers, so this test can fail`);
    const ok = results.reduce((sum, r) => sum + r.outcomes.ok, 0);
    const unknown = results.reduce((sum, r) => sum + r.outcomes.unknown, 0);
    t.is(
      results.reduce((sum, r) => sum + r.outcomes.failed, 0),
      0,
    );
    const { store } = open();
    const final = (await store.atom(Counter, { name }).deref())?.n ?? 0;
    const mirror = (await store.atom(Counter, { name: `${name}-mirror` }).deref())?.n ?? 0;
    t.is(mirror, -final, "both halves of every transaction, or neither");
    t.true(final >= ok && final <= ok + unknown, `${final} vs ${ok} ok + ${unknown} unknown`);
    if (unknown === 0) t.is(final, 100);
  } finally {
    await proxy.close();
  }
});

test("a commit hidden behind lasting throttled retries is reported unknown, not failed", async (t) => {
  const { client, name } = open();
  let attempt = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      if ((args.input as { TransactItems?: unknown }).TransactItems === undefined)
        return next(args);
      attempt++;
      if (attempt === 1) {
        await next(args); // commits
        throw Object.assign(new Error("We encountered an internal error"), {
          name: "InternalServerError",
          $fault: "server",
          $metadata: { httpStatusCode: 500 },
        });
      }
      throw Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
      });
    },
    { step: "deserialize", name: "commitThenThrottle", priority: "low" },
  );
  const store = createStore({
    table,
    atoms: [Counter, Account, Blob],
    client,
    retry: { baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 3 },
  });
  const err = await t.throwsAsync(
    store.transact((tx) => [tx.swap(counter(store, name), (c) => ({ ...c, n: c.n + 1 }))]),
  );
  t.true(isDynatomError(err, "transaction.outcome-unknown"), String(err));
  t.is((await counter(open().store, name).deref()).n, 1, "it had committed, once");
});

test("a transaction function that returns no tx operations gets a typed error, nothing sent", async (t) => {
  const { store, requests } = open();
  const notArray = await t.throwsAsync(store.transact(() => "nope" as never));
  t.true(isDynatomError(notArray, "transaction.invalid-operation"), String(notArray));
  const notOp = await t.throwsAsync(store.transact(() => [{ kind: "put" }] as never));
  t.true(isDynatomError(notOp, "transaction.invalid-operation"), String(notOp));
  t.regex(notOp?.message ?? "", /element 0/);
  t.deepEqual(requests.sent, []);
});
