import {
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import test from "ava";
import {
  BatchIncompleteError,
  createStore,
  DecodeError,
  defineAtom,
  encodeItem,
  ItemTooLargeError,
  isDynatomError,
  itemSize,
  ValidationError,
} from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { Account, Counter } from "../helpers/atoms.js";
import { partialBatches } from "../helpers/batch-faults.js";
import { recordRequests } from "../helpers/requests.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

const Note = defineAtom({
  name: "note",
  version: 1,
  schema: v.object({ name: v.string(), text: v.string() }),
  key: ["name"],
});

let table = "";
test.before(async () => {
  table = dynamo().tableName("batch");
  await createStore({
    table,
    atoms: [Counter, Account, Note],
    client: dynamo().client,
  }).ensureTable({ stream: false });
});

/** A store on its own client, with its requests recorded. */
function open(tableName = table) {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  const requests = recordRequests(client);
  const store = createStore({ table: tableName, atoms: [Counter, Account, Note], client });
  return { client, store, requests };
}

const counters = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({ name: `${prefix}-${i}`, n: i }));

async function countItems(prefix: string): Promise<number> {
  let count = 0;
  let start: Record<string, never> | undefined;
  do {
    const page = await dynamo().client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: "begins_with(#name, :prefix)",
        ExpressionAttributeNames: { "#name": "name" },
        ExpressionAttributeValues: { ":prefix": { S: `${prefix}-` } },
        Select: "COUNT",
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return count;
}

test("findItems over 1,000 keys with misses and duplicates answers each, aligned, sending each key once", async (t) => {
  const { store, client } = open();
  await store.putItems(Counter, counters("find", 600));
  const faults = partialBatches(client, {}); // records the requests only
  const keys = Array.from({ length: 1_000 }, (_, i) => ({ name: `find-${(i * 7) % 800}` }));
  const found = await store.findItems(Counter, keys, { concurrency: 3 });
  t.is(found.length, keys.length);
  keys.forEach((key, i) => {
    const n = Number(key.name.slice(5));
    t.deepEqual(found[i], n < 600 ? { name: key.name, n } : undefined, key.name);
  });
  const sent = faults.requests.flat();
  t.is(sent.length, new Set(keys.map((key) => key.name)).size, "each distinct key sent once");
  t.is(new Set(sent).size, sent.length);
  t.true(
    faults.requests.every(
      (request) => request.length <= 100 && new Set(request).size === request.length,
    ),
  );
});

test("putItems writes 10,000 items in requests of at most 25, reporting progress", async (t) => {
  const { store, client } = open();
  const faults = partialBatches(client, {});
  const progress: number[] = [];
  const values = counters("bulk", 10_000);
  await store.putItems(Counter, values, {
    concurrency: 8,
    onProgress: ({ done, total }) => {
      t.is(total, 10_000);
      progress.push(done);
    },
  });
  t.is(await countItems("bulk"), 10_000);
  t.true(faults.requests.every((request) => request.length <= 25));
  t.is(faults.requests.flat().length, 10_000, "no item was sent twice");
  t.deepEqual(
    progress,
    [...progress].sort((a, b) => a - b),
    "progress only grows",
  );
  t.is(progress.at(-1), 10_000);
  const back = await store.findItems(Counter, [{ name: "bulk-0" }, { name: "bulk-9999" }]);
  t.deepEqual(back, [values[0], values[9_999]]);
});

test("unprocessed keys and items are sent again until done", async (t) => {
  const { store, client } = open();
  const faults = partialBatches(client, { rate: 0.3, seed: 42 });
  const values = counters("partial", 500);
  await store.putItems(Counter, values, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  const writesWithheld = faults.withheld.length;
  t.true(writesWithheld > 50, `withheld ${writesWithheld} writes, so this test can fail`);
  t.is(await countItems("partial"), 500);
  const keys = values.map(({ name }) => ({ name }));
  const found = await store.findItems(Counter, keys, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  t.true(faults.withheld.length - writesWithheld > 50, "reads were withheld too");
  t.deepEqual(found, values);
  await store.deleteItems(Counter, keys, { retry: { baseDelayMs: 1, maxDelayMs: 5 } });
  t.is(await countItems("partial"), 0);
});

test("keys that stay unprocessed fail the call with BatchIncompleteError listing exactly them", async (t) => {
  const { store, client } = open();
  const stuck = new Set(["stuck-13", "stuck-77", "stuck-210"]);
  const values = counters("stuck", 300);
  const isStuck = (key: Record<string, { S?: string }>) =>
    [...stuck].some((name) => key.pk?.S?.endsWith(`#name_${name}`));
  partialBatches(client, { always: isStuck, rate: 0.2, seed: 3 });
  // Enough attempts that a key withheld at random (20%) is not withheld every time (0.2^10):
  // only the stuck keys run out.
  const retry = { maxAttempts: 10, baseDelayMs: 1, maxDelayMs: 5 };

  const put = await t.throwsAsync(store.putItems(Counter, values, { retry }), {
    instanceOf: BatchIncompleteError,
  });
  t.is(put.code, "batch.incomplete");
  t.deepEqual(put.details.failed.map((key) => key.name).sort(), [...stuck].sort());
  t.is(put.details.succeeded, 297);
  t.regex(put.message, /putItems\(counter\).*3 of 300 keys were not written/);
  t.is(await countItems("stuck"), 297, "every other item was written");

  const { store: clean } = open();
  await clean.putItems(Counter, values);
  const find = await t.throwsAsync(
    store.findItems(
      Counter,
      values.map(({ name }) => ({ name })),
      { retry },
    ),
    {
      instanceOf: BatchIncompleteError,
    },
  );
  t.deepEqual(find.details.failed.map((key) => key.name).sort(), [...stuck].sort());
  t.is(find.details.operation, "findItems");

  const del = await t.throwsAsync(
    store.deleteItems(
      Counter,
      values.map(({ name }) => ({ name })),
      { retry },
    ),
    {
      instanceOf: BatchIncompleteError,
    },
  );
  t.deepEqual(del.details.failed.map((key) => key.name).sort(), [...stuck].sort());
  t.is(await countItems("stuck"), 3, "only the stuck items are left");
});

test("an invalid value at index 9,999 writes nothing, and says where it is", async (t) => {
  const { store, requests } = open();
  const values = counters("invalid", 10_000);
  values[9_999] = { name: "invalid-9999", n: "not a number" as unknown as number };
  const err = await t.throwsAsync(store.putItems(Counter, values), { instanceOf: ValidationError });
  t.regex(err.message, /values\[9999\]/);
  t.deepEqual(requests.sent, [], "no request was sent");
  t.is(await countItems("invalid"), 0);
});

test("a value too big to take its bookkeeping is refused before anything is written", async (t) => {
  const { store, requests } = open();
  // The longest text Note.encode accepts leaves room for a full window of write ids (the probe
  // has a name as long as the values below: the key counts too).
  let length = 409_600;
  while (length > 0) {
    try {
      Note.encode({ name: "big-test", text: "x".repeat(length) });
      break;
    } catch {
      length -= 10;
    }
  }
  const bare = itemSize(encodeItem({ name: "big-test", text: "x".repeat(length + 100) }));
  t.true(bare < 409_600, "the refused value alone would fit DynamoDB's limit");
  const values = [
    ...Array.from({ length: 30 }, (_, i) => ({ name: `big-${i}`, text: "small" })),
    { name: "big-last", text: "x".repeat(length + 100) },
  ];
  await t.throwsAsync(store.putItems(Note, values), { instanceOf: ItemTooLargeError });
  t.deepEqual(requests.sent, []);
  // The largest accepted value is written, with its bookkeeping.
  await store.putItems(Note, [{ name: "big-fits", text: "x".repeat(length) }]);
  const atom = store.atom(Note, { name: "big-fits" });
  await atom.swap((n) => ({ ...(n as { name: string; text: string }) }));
  t.is((await atom.deref())?.text.length, length);
});

test("two values with one key are refused before anything is written", async (t) => {
  const { store, requests } = open();
  const err = await t.throwsAsync(
    store.putItems(Counter, [
      { name: "dup-a", n: 1 },
      { name: "dup-b", n: 2 },
      { name: "dup-a", n: 3 },
    ]),
  );
  t.true(isDynatomError(err, "batch.duplicate-key"));
  if (isDynatomError(err, "batch.duplicate-key")) t.deepEqual(err.details.positions, [0, 2]);
  t.deepEqual(requests.sent, []);
});

test("a refused request stops the call and every key it did not do is reported", async (t) => {
  const name = dynamo().tableName("dropped");
  const setup = open(name);
  await setup.store.ensureTable({ stream: false });
  await dynamo().client.send(new DeleteTableCommand({ TableName: name }));
  setup.requests.clear();
  const values = counters("gone", 120);
  const err = await t.throwsAsync(setup.store.putItems(Counter, values), {
    instanceOf: BatchIncompleteError,
  });
  t.is(err.details.failed.length, 120);
  t.is(err.details.succeeded, 0);
  t.true(isDynatomError(err.cause, "store.table-missing"), String(err.cause));
  t.true(setup.requests.sent.length <= 4, "no new request starts after a definite refusal");
});

test("a handle that saw an item before a batch put does not overwrite it unawares", async (t) => {
  const { store } = open();
  const atom = store.atom(Counter, { name: "blind" }, { init: { name: "blind", n: 0 } });
  await atom.swap((c) => ({ ...c, n: c.n + 1 }));
  await store.putItems(Counter, [{ name: "blind", n: 100 }]);
  t.deepEqual(await atom.swap((c) => ({ ...c, n: c.n + 1 })), { name: "blind", n: 101 });
  // Two blind writes in a row are told apart by their write ids.
  await store.putItems(Counter, [{ name: "blind", n: 500 }]);
  t.deepEqual(await atom.swap((c) => ({ ...c, n: c.n + 1 })), { name: "blind", n: 501 });
  await store.putItems(Counter, [{ name: "blind", n: 700 }]);
  t.true(await atom.compareAndSet({ name: "blind", n: 700 }, { name: "blind", n: 1 }));
});

test("options out of range are refused with a clear error", async (t) => {
  const { store } = open();
  const err = await t.throwsAsync(store.findItems(Counter, [{ name: "x" }], { concurrency: 0 }));
  t.true(isDynatomError(err, "batch.invalid-option"));
  t.regex(err?.message ?? "", /findItems\(counter\): concurrency must be a whole number/);
});

test("a bad key names its position, and nothing is sent", async (t) => {
  const { store, requests } = open();
  const err = await t.throwsAsync(
    store.findItems(Counter, [{ name: "ok" }, { name: undefined as unknown as string }]),
  );
  t.true(isDynatomError(err, "schema.invalid-key"), String(err));
  t.regex(err?.message ?? "", /^findItems\(counter\), keys\[1\]: .*"name" is missing/);
  const del = await t.throwsAsync(
    store.deleteItems(Counter, [{ name: Number.NaN as unknown as string }]),
  );
  t.regex(del?.message ?? "", /^deleteItems\(counter\), keys\[0\]: /);
  t.deepEqual(requests.sent, []);
});

/** A Counter item whose type note cannot be read: it fails to decode. */
function putGarbled(client: DynamoDBClient, name: string) {
  return client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        ...Counter.keyOf({ name }),
        name: { S: name },
        n: { N: "1" },
        _types: { S: "{not json" },
      },
    }),
  );
}

test("an item that cannot be decoded fails findItems with its DecodeError, read once", async (t) => {
  const { store, client, requests } = open();
  await putGarbled(client, "garbled");
  requests.clear();
  const err = await t.throwsAsync(
    store.findItems(Counter, [{ name: "garbled" }, { name: "fine" }]),
    { instanceOf: DecodeError },
  );
  t.truthy(err);
  t.deepEqual(requests.sent, ["BatchGetItemCommand"], "a decode error is not a failed request");
});

test("an onProgress that throws stops the call, and what was not written is reported", async (t) => {
  const { store, requests } = open();
  const values = counters("progress", 200);
  const err = await t.throwsAsync(
    store.putItems(Counter, values, {
      concurrency: 1,
      onProgress: ({ done }) => {
        if (done >= 50) throw new Error("enough");
      },
    }),
    { instanceOf: BatchIncompleteError },
  );
  t.is(err.details.succeeded, 50);
  t.is(err.details.failed.length, 150);
  t.false(err.retryable);
  t.is((err.cause as Error).message, "enough");
  t.is(requests.sent.length, 2, "no request starts after onProgress threw");
  t.is(await countItems("progress"), 50);
});

test("an onProgress that throws while every request is in flight still fails the call, once", async (t) => {
  const { store } = open();
  const values = counters("in-flight", 60);
  let calls = 0;
  const err = await t.throwsAsync(
    store.putItems(Counter, values, {
      onProgress: () => {
        calls++;
        throw new Error("dashboard is down");
      },
    }),
    { instanceOf: BatchIncompleteError },
  );
  t.is(calls, 1, "onProgress was called again after it threw");
  t.false(err.retryable);
  t.is((err.cause as Error).message, "dashboard is down");
  t.is(err.details.succeeded + err.details.failed.length, 60);
  t.is(await countItems("in-flight"), err.details.succeeded);
});

test("an empty batch sends nothing", async (t) => {
  const { store, requests } = open();
  t.deepEqual(await store.findItems(Counter, []), []);
  await store.putItems(Counter, []);
  await store.deleteItems(Counter, []);
  t.deepEqual(requests.sent, []);
});

/** A client whose first BatchWriteItem commits and then loses its answer, after `meanwhile`. */
function losingFirstBatchAnswer(meanwhile: () => Promise<void>, commit = true) {
  // The SDK's own retries are off: this test decides what each attempt sees.
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  let lost = false;
  client.middlewareStack.add(
    (next) => async (args) => {
      const requests = (args.input as { RequestItems?: Record<string, unknown> }).RequestItems?.[
        table
      ];
      const isBatchWrite = Array.isArray(requests);
      if (lost || !isBatchWrite) return next(args);
      lost = true;
      if (commit) await next(args);
      await meanwhile();
      throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    },
    { step: "finalizeRequest", name: "loseFirstBatchAnswer" },
  );
  const store = createStore({
    table,
    atoms: [Counter, Note],
    client,
    retry: { baseDelayMs: 1 },
  });
  return { client, store };
}

test("a putItems resend after a lost answer never overwrites a swap acknowledged since", async (t) => {
  const { store: other } = open();
  const name = "resend-put";
  const { client, store } = losingFirstBatchAnswer(async () => {
    const theirs = other.atom(Counter, { name });
    t.deepEqual(await theirs.deref(), { name, n: 1 });
    await theirs.swap((c) => ({ name, n: (c?.n ?? 0) + 5 }));
  });
  await store.putItems(Counter, [{ name, n: 1 }]);
  t.deepEqual(await other.atom(Counter, { name }).deref(), { name, n: 6 }, "the swap was lost");
  client.destroy();
});

test("a putItems whose request was lost before it arrived is sent again and written", async (t) => {
  const { store: other } = open();
  const values = counters("lost-before", 30);
  const { client, store } = losingFirstBatchAnswer(async () => {}, false);
  await store.putItems(Counter, values);
  t.is(await countItems("lost-before"), 30);
  t.deepEqual(await other.atom(Counter, { name: "lost-before-3" }).deref(), values[3]);
  client.destroy();
});

test("a deleteItems answer lost with the item made again since: reported maybe-deleted, not deleted twice", async (t) => {
  const { store: other } = open();
  const name = "resend-delete";
  await other.atom(Counter, { name }).reset({ name, n: 1 });
  const { client, store } = losingFirstBatchAnswer(async () => {
    await other.atom(Counter, { name }).reset({ name, n: 2 });
  });
  const err = await t.throwsAsync(store.deleteItems(Counter, [{ name }]), {
    instanceOf: BatchIncompleteError,
  });
  t.deepEqual(err.details.unknown, [{ name }]);
  t.false(err.retryable, "a blind retry could delete the newer item");
  t.deepEqual(err.details.failed, []);
  t.deepEqual(await other.atom(Counter, { name }).deref(), { name, n: 2 }, "deleted twice");
  client.destroy();
});

test("an undecodable item in a findItems that is also incomplete is reported, not dropped", async (t) => {
  const { store, client } = open();
  await putGarbled(client, "garbled-2");
  partialBatches(client, { always: (key) => key.pk?.S?.endsWith("#name_never-read") === true });
  const err = await t.throwsAsync(
    store.findItems(Counter, [{ name: "garbled-2" }, { name: "never-read" }], {
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    }),
    { instanceOf: BatchIncompleteError },
  );
  t.deepEqual(err.details.failed, [{ name: "never-read" }]);
  t.regex(err.message, /could not be decoded/);
});
