// Lost answers, delayed requests, held retries, a closed store and raw errors, tried on
// purpose: each test once broke "never lost, never twice" or leaked a raw error.
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { Counter } from "../helpers/atoms.js";
import { answered } from "../helpers/sdk-errors.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

let table = "";
test.before(async () => {
  table = dynamo().tableName("atoms");
  const store = createStore({ table, atoms: [Counter], client: dynamo().client });
  await store.ensureTable({ stream: false });
});

let n = 0;
const fresh = () => `k${++n}-${Math.random().toString(36).slice(2, 8)}`;

test("a lost answer to a swap that creates the item, then a delete: it is not created a second time", async (t) => {
  const name = fresh();
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  const other = createStore({ table, atoms: [Counter], client: dynamo().client });
  let lost = false;
  const seen: unknown[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      if (!lost && (args.input as { Item?: unknown }).Item !== undefined) {
        lost = true;
        // Another process sees our increment (n = 1), then deletes the atom.
        const theirs = other.atom(Counter, { name }, { init: { name, n: 0 } });
        seen.push(await theirs.deref()); // { n: 1 }: our increment is visible
        await theirs.destroy();
        seen.push(await other.atom(Counter, { name }, { init: { name, n: 0 } }).deref()); // n: 0
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      }
      return result;
    },
    { step: "finalizeRequest", name: "loseFirstWriteAnswer" },
  );
  const store = createStore({ table, atoms: [Counter], client });
  const mine = store.atom(Counter, { name }, { init: { name, n: 0 } });
  const outcome = await mine
    .swap((c) => ({ ...c, n: c.n + 1 }))
    .then(
      (v) => ({ ok: v }),
      (e: unknown) => ({ err: e }),
    );
  const after = await other.atom(Counter, { name }, { init: { name, n: 0 } }).deref();
  t.log("swap:", outcome, "seen by others:", seen, "after:", after);
  t.deepEqual(seen, [
    { name, n: 1 },
    { name, n: 0 },
  ]);
  // One increment, seen (n = 1), then deleted (n = 0): a second n = 1 means it applied twice.
  t.deepEqual(after, { name, n: 0 }, "the swap applied a second time after the delete");
  client.destroy();
});

test("destroy() against an unreachable endpoint fails with a DynatomError", async (t) => {
  const store = createStore({
    table,
    atoms: [Counter],
    endpoint: "http://127.0.0.1:9",
    retry: { maxAttempts: 3, baseDelayMs: 1 },
  });
  const a = store.atom(Counter, { name: fresh() });
  const derefErr = await t.throwsAsync(a.deref());
  t.true(isDynatomError(derefErr, "store.request-failed"), `deref: ${String(derefErr)}`);
  const err = await t.throwsAsync(a.destroy());
  t.log("destroy threw:", (err as Error)?.name, (err as { code?: string })?.code, String(err));
  t.true(isDynatomError(err), `destroy: a raw ${String(err)}`);
  await store.close();
});

test("destroy() throttled to the end fails with a DynatomError", async (t) => {
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "DeleteItemCommand") return next(args);
      throw answered("ThrottlingException", 400);
    },
    { step: "deserialize", name: "throttleDeletes", priority: "low" },
  );
  const store = createStore({
    table,
    atoms: [Counter],
    client,
    retry: { maxAttempts: 3, baseDelayMs: 1 },
  });
  const err = await t.throwsAsync(store.atom(Counter, { name: fresh() }).destroy());
  t.log("destroy threw:", (err as Error)?.name, String(err));
  t.true(isDynatomError(err), `destroy: a raw ${String(err)}`);
  client.destroy();
});

test("ensureTable whose CreateTable is throttled to the end fails with a DynatomError, within the store's deadline", async (t) => {
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "CreateTableCommand") return next(args);
      throw answered("ThrottlingException", 400);
    },
    { step: "deserialize", name: "throttleCreates", priority: "low" },
  );
  const store = createStore({
    table: dynamo().tableName("never"),
    atoms: [Counter],
    client,
    retry: { deadlineMs: 2_000, baseDelayMs: 1 },
  });
  const started = Date.now();
  const err = await t.throwsAsync(store.ensureTable({ stream: false }));
  t.log("ensureTable threw after", Date.now() - started, "ms:", (err as Error)?.name, String(err));
  t.true(isDynatomError(err), `ensureTable: a raw ${String(err)}`);
  client.destroy();
});

test("a read through a client with SDK retries reports the real error, not the held retry", async (t) => {
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 3 });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== "GetItemCommand") return next(args);
      await next(args);
      throw answered("InternalServerError", 500);
    },
    { step: "deserialize", name: "fail500", priority: "low" },
  );
  const store = createStore({
    table,
    atoms: [Counter],
    client,
    retry: { maxAttempts: 2, baseDelayMs: 1 },
  });
  const err = await t.throwsAsync(store.atom(Counter, { name: fresh() }).deref());
  t.log(String(err));
  t.false(/ResendHeld/.test(String(err)), "the message names ResendHeld, not the 500");
  client.destroy();
});

type Handle = (
  request: { headers: Record<string, string> },
  options?: { abortSignal?: AbortSignal },
) => Promise<unknown>;

/**
 * The first request of `command` reaches DynamoDB late: it is held in the network and lands
 * `lateMs` after it was sent, long after the attempt timed out (what a congested path or a
 * server queue can do). The client sees no answer: its abort ends the wait.
 */
function landLate(client: DynamoDBClient, command: string, lateMs: number) {
  const handler = client.config.requestHandler as unknown as { handle: Handle };
  const send = handler.handle.bind(handler);
  let held = false;
  const state: { landed?: Promise<unknown> } = {};
  handler.handle = async (request, options) => {
    const target = request.headers["x-amz-target"] ?? "";
    if (held || !target.endsWith(`.${command}`)) return send(request, options);
    held = true;
    state.landed = new Promise((resolve) => setTimeout(resolve, lateMs)).then(() =>
      send(request, {}).then(
        (r) => {
          (r as { response: { body?: { resume?: () => void } } }).response.body?.resume?.();
          return "landed";
        },
        (e: unknown) => `failed: ${String(e)}`,
      ),
    );
    return new Promise((_, reject) => {
      options?.abortSignal?.addEventListener("abort", () =>
        reject(Object.assign(new Error("Request aborted"), { name: "AbortError" })),
      );
    });
  };
  return state;
}

test("destroy() whose delete went out unanswered is unknown: it may still land", async (t) => {
  const name = fresh();
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  const late = landLate(client, "DeleteItem", 1500);
  const mine = createStore({ table, atoms: [Counter], client, requestTimeoutMs: 300 });
  const other = createStore({ table, atoms: [Counter], client: dynamo().client });
  // The item is absent (never made, or deleted by someone else), and the delete times out
  // unanswered: absent proves nothing while it may still land.
  const err = await t.throwsAsync(mine.atom(Counter, { name }).destroy());
  t.true(isDynatomError(err, "atom.outcome-unknown"), String(err));
  // After destroy() returned, another process makes the atom; its write is acknowledged.
  await other.atom(Counter, { name }, { init: { name, n: 0 } }).reset({ name, n: 7 });
  t.deepEqual(await other.atom(Counter, { name }).deref(), { name, n: 7 });
  // The delete lands late, over the write: what "unknown" warned of.
  t.is(await late.landed, "landed");
  client.destroy();
});

test("deleteItems whose request went out unanswered reports the key unknown: it may still land", async (t) => {
  const name = fresh();
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  const late = landLate(client, "BatchWriteItem", 1500);
  const mine = createStore({ table, atoms: [Counter], client, requestTimeoutMs: 300 });
  const err = await t.throwsAsync(mine.deleteItems(Counter, [{ name }]));
  t.true(isDynatomError(err, "batch.incomplete"), String(err));
  t.deepEqual(isDynatomError(err, "batch.incomplete") ? err.details.unknown : [], [{ name }]);
  t.is(await late.landed, "landed");
  client.destroy();
});

for (const kind of ["put", "swap"] as const) {
  test(`a transaction (${kind}) whose answer is lost, then a delete: the resend with the same token applies nothing again`, async (t) => {
    const name = fresh();
    const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
    const other = createStore({ table, atoms: [Counter], client: dynamo().client });
    let lost = false;
    let sends = 0;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== "TransactWriteItemsCommand") return next(args);
        sends++;
        const result = await next(args);
        if (!lost) {
          lost = true;
          await other.atom(Counter, { name }).destroy();
          throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
        }
        return result;
      },
      { step: "deserialize", name: "loseTx", priority: "low" },
    );
    const store = createStore({ table, atoms: [Counter], client });
    const a = store.atom(Counter, { name }, { init: { name, n: 0 } });
    const outcome = await store
      .transact((tx) => [
        kind === "put"
          ? tx.put(Counter, { name, n: 1 })
          : tx.swap(a, (c) => ({ ...c, n: c.n + 1 })),
      ])
      .then(
        (r) => ({ ok: r }),
        (e: unknown) => ({ err: String(e) }),
      );
    const after = await other.atom(Counter, { name }).deref();
    t.log({ sends, outcome, after });
    t.is(after, undefined, "the transaction applied a second time after the delete");
    client.destroy();
  });
}

test("store.close() while a swap's answer is lost: the swap is unknown, not 'closed'", async (t) => {
  const name = fresh();
  const other = createStore({ table, atoms: [Counter], client: dynamo().client });
  await other.atom(Counter, { name }, { init: { name, n: 0 } }).reset({ name, n: 0 });
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  const store = createStore({ table, atoms: [Counter], client });
  let lost = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (!lost && context.commandName === "PutItemCommand") {
        lost = true;
        await store.close(); // the application shuts down while the write is out
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      }
      return result;
    },
    { step: "finalizeRequest", name: "loseThenClose" },
  );
  const mine = store.atom(Counter, { name });
  await mine.deref();
  const t0 = Date.now();
  const err = await t.throwsAsync(mine.swap((c) => ({ name, n: (c?.n ?? 0) + 1 })));
  t.log(
    "after",
    Date.now() - t0,
    "ms:",
    String(err),
    (err as { code?: string }).code,
    (err as { retryable?: boolean }).retryable,
  );
  t.deepEqual(await other.atom(Counter, { name }).deref(), { name, n: 1 }, "it did apply");
  client.destroy();
  t.true(
    isDynatomError(err, "atom.outcome-unknown"),
    `a swap that applied is reported as ${String(err)}`,
  );
});

test("store.close() during putItems: batch.incomplete says what was written", async (t) => {
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  const store = createStore({ table, atoms: [Counter], client });
  let writes = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === "BatchWriteItemCommand" && ++writes === 1) {
        await store.close();
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      }
      return result;
    },
    { step: "finalizeRequest", name: "loseThenClose" },
  );
  const values = Array.from({ length: 60 }, (_, i) => ({ name: `${fresh()}-${i}`, n: i }));
  const err = await t.throwsAsync(store.putItems(Counter, values, { concurrency: 1 }));
  t.log(String(err).slice(0, 300));
  t.true(isDynatomError(err, "batch.incomplete"), `putItems threw ${String(err)}`);
  client.destroy();
});

test("a lost answer over an item another tool wrote, then that tool writes it again: its write stands", async (t) => {
  const { PutItemCommand, DeleteItemCommand } = await import("@aws-sdk/client-dynamodb");
  const name = fresh();
  const raw = dynamo().client;
  const other = createStore({ table, atoms: [Counter], client: raw });
  // The other tool writes plain items: the value, no dynatom bookkeeping.
  const plainItem = (n: number) => {
    const item = Counter.encode({ name, n });
    delete item._ver;
    delete item._writes;
    return item;
  };
  await raw.send(new PutItemCommand({ TableName: table, Item: plainItem(10) }));
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  let lost = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (!lost && context.commandName === "PutItemCommand") {
        lost = true;
        // The other tool replaces the item (delete, then a fresh plain item with n = 100).
        const key = { pk: plainItem(0).pk, sk: plainItem(0).sk } as never;
        await raw.send(new DeleteItemCommand({ TableName: table, Key: key }));
        await raw.send(new PutItemCommand({ TableName: table, Item: plainItem(100) }));
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      }
      return result;
    },
    { step: "finalizeRequest", name: "loseThenReplace" },
  );
  const store = createStore({ table, atoms: [Counter], client });
  const mine = store.atom(Counter, { name });
  t.deepEqual(await mine.deref(), { name, n: 10 });
  const outcome = await mine
    .swap((c) => ({ name, n: (c?.n ?? 0) + 1 }))
    .then(
      (v) => ({ ok: v }),
      (e: unknown) => ({ err: String(e) }),
    );
  const after = await other.atom(Counter, { name }).deref();
  t.log({ outcome, after });
  t.deepEqual(
    after,
    { name, n: 100 },
    "the other tool's acknowledged write (n = 100) was overwritten by our resend",
  );
  client.destroy();
});

test("another tool's update that bumps _ver but not _writes is never lost by a stale handle", async (t) => {
  // `_ver` is documented and readable: a Lambda elsewhere may follow it (SET n, _ver + 1) and
  // leave the write ids alone. A handle that saw the version before must conflict, not overwrite.
  const store = createStore({ table, atoms: [Counter], client: dynamo().client });
  const name = fresh();
  const handle = store.atom(Counter, { name }, { init: { name, n: 0 } });
  await handle.swap((c) => ({ ...c, n: c.n + 1 }));
  await dynamo().client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: Counter.keyOf({ name }),
      UpdateExpression: "SET #n = :n, #ver = #ver + :one",
      ExpressionAttributeNames: { "#n": "n", "#ver": "_ver" },
      ExpressionAttributeValues: { ":n": { N: "100" }, ":one": { N: "1" } },
    }),
  );
  await handle.swap((c) => ({ ...c, n: c.n + 1 }));
  t.deepEqual(await store.atom(Counter, { name }).deref(), { name, n: 101 });
});
