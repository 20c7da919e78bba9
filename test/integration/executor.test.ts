import { setTimeout as sleep } from "node:timers/promises";
// How the one executor judges a failed request by what reached the wire: hidden SDK retries,
// errors raised before sending, transaction locks, servers that never answer.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { clientHandle } from "../../src/executor/client.js";
import { Counter } from "../helpers/atoms.js";
import { answered } from "../helpers/sdk-errors.js";
import { startSilentServer } from "../helpers/silent-server.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

let table = "";
test.before(async () => {
  table = dynamo().tableName("executor");
  await createStore({ table, atoms: [Counter], client: dynamo().client }).ensureTable({
    stream: false,
  });
});

let n = 0;
const fresh = () => `e${++n}`;

test("the clients a store makes leave every resend to dynatom (no hidden SDK retries)", async (t) => {
  const handle = clientHandle({ endpoint: dynamo().endpoint });
  const client = await handle.get();
  t.is(await client.config.maxAttempts(), 1);
  await handle.close();
});

test("a commit hidden behind an SDK retry refused with a 4xx is settled, not 'retryable'", async (t) => {
  const name = fresh();
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 3 });
  let puts = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      if ((args.input as { Item?: unknown }).Item === undefined) return next(args);
      puts++;
      if (puts === 1) {
        await next(args); // commits
        throw answered("InternalServerError", 500);
      }
      throw answered("ValidationException", 400);
    },
    { step: "deserialize", name: "commitThenRefuse", priority: "low" },
  );
  const store = createStore({ table, atoms: [Counter], client });
  const mine = store.atom(Counter, { name }, { init: { name, n: 0 } });
  await mine.deref();
  // The swap applied once: its write id is on the item, and a caller who retried on a
  // "retryable" error would have applied it twice.
  t.deepEqual(await mine.swap((c) => ({ ...c, n: c.n + 1 })), { name, n: 1 });
  t.is(puts, 2);
  const other = createStore({ table, atoms: [Counter], client: dynamo().client });
  t.deepEqual(await other.atom(Counter, { name }).deref(), { name, n: 1 });
  client.destroy();
});

test("an item held by a running transaction makes a swap wait and retry, not fail", async (t) => {
  const name = fresh();
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  let held = 2;
  client.middlewareStack.add(
    (next) => async (args) => {
      if ((args.input as { Item?: unknown }).Item !== undefined && held-- > 0) {
        throw answered("TransactionConflictException", 400);
      }
      return next(args);
    },
    { step: "deserialize", name: "heldByTransaction", priority: "low" },
  );
  const store = createStore({ table, atoms: [Counter], client, retry: { baseDelayMs: 1 } });
  const mine = store.atom(Counter, { name }, { init: { name, n: 0 } });
  t.deepEqual(await mine.swap((c) => ({ ...c, n: c.n + 1 })), { name, n: 1 });
  t.is(held, -1);
  client.destroy();
});

test("a write that fails before anything is sent (no credentials) fails at once, not 'unknown'", async (t) => {
  let asked = 0;
  const client = new DynamoDBClient({
    ...localClientConfig(dynamo().endpoint),
    maxAttempts: 1,
    credentials: async () => {
      asked++;
      throw Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      });
    },
  });
  const store = createStore({ table, atoms: [Counter], client });
  const name = fresh();
  const swap = await t.throwsAsync(
    store.atom(Counter, { name }, { init: { name, n: 0 } }).reset({ name, n: 1 }),
  );
  t.true(isDynatomError(swap, "store.request-failed"), String(swap));
  t.false(isDynatomError(swap) && swap.retryable);
  const tx = await t.throwsAsync(store.transact((txb) => [txb.put(Counter, { name, n: 2 })]));
  t.true(isDynatomError(tx, "store.request-failed"), String(tx));
  const put = await t.throwsAsync(store.putItems(Counter, [{ name, n: 3 }]));
  t.true(isDynatomError(put, "batch.incomplete"), String(put));
  t.deepEqual(isDynatomError(put, "batch.incomplete") ? put.details.unknown : ["?"], []);
  t.is(asked, 3, "each call asked for credentials once, and was not retried");
  client.destroy();
});

test("a refused connection proves nothing was sent: retried, then failed, never 'unknown'", async (t) => {
  const store = createStore({
    table,
    atoms: [Counter],
    endpoint: "http://127.0.0.1:9",
    retry: { maxAttempts: 3, baseDelayMs: 1 },
  });
  const name = fresh();
  const err = await t.throwsAsync(
    store.atom(Counter, { name }, { init: { name, n: 0 } }).reset({ name, n: 1 }),
  );
  t.true(isDynatomError(err, "store.request-failed"), String(err));
  t.true(isDynatomError(err) && err.retryable);
  const tx = await t.throwsAsync(store.transact((txb) => [txb.put(Counter, { name, n: 2 })]));
  t.true(isDynatomError(tx, "store.request-failed"), String(tx));
  await store.close();
});

test("a client of your own without timeouts is still bounded: a silent server fails every call", async (t) => {
  const silent = await startSilentServer();
  // No requestHandler timeouts, and the SDK's own retries: the executor bounds it anyway.
  const client = new DynamoDBClient(localClientConfig(silent.endpoint));
  const store = createStore({
    table: "silent",
    atoms: [Counter],
    client,
    requestTimeoutMs: 200,
    retry: { deadlineMs: 1_000 },
  });
  try {
    const name = "x";
    const read = await t.throwsAsync(store.atom(Counter, { name }).deref());
    t.true(isDynatomError(read, "store.request-failed"), String(read));
    const swap = await t.throwsAsync(store.atom(Counter, { name }).reset({ name, n: 1 }));
    // The reset reads the item first: that read fails, and nothing is sent after it.
    t.true(isDynatomError(swap, "store.request-failed"), String(swap));
    const tx = await t.throwsAsync(store.transact((txb) => [txb.put(Counter, { name, n: 2 })]));
    t.true(isDynatomError(tx, "transaction.outcome-unknown"), String(tx));
    const put = await t.throwsAsync(store.putItems(Counter, [{ name, n: 3 }]));
    t.true(isDynatomError(put, "batch.incomplete"), String(put));
    const found = await t.throwsAsync(store.findItems(Counter, [{ name }]));
    t.true(isDynatomError(found, "batch.incomplete"), String(found));
    const table = await t.throwsAsync(store.ensureTable({ stream: false }));
    t.true(isDynatomError(table, "store.request-failed"), String(table));
    // Each request was aborted, not left to the client: no connection stays open.
    for (let waited = 0; silent.open() > 0 && waited < 10_000; waited += 50) await sleep(50);
    t.is(silent.open(), 0);
  } finally {
    await store.close();
    client.destroy();
    silent.close();
  }
});
