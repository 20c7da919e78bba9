import { setTimeout as sleep } from "node:timers/promises";
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import test from "ava";
import {
  createStore,
  DefinitionError,
  defineAtom,
  indexForm,
  isDynatomError,
  type Store,
} from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { Account, Counter } from "../helpers/atoms.js";
import { alive } from "../helpers/children.js";
import { oneJvmStartAtATime } from "../helpers/jvm-start-lock.js";
import { recordRequests } from "../helpers/requests.js";
import { difference } from "../helpers/same.js";
import { startSilentServer, startTrickleServer } from "../helpers/silent-server.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

const Lease = defineAtom({
  name: "lease",
  version: 1,
  schema: v.object({ resource: v.string(), owner: v.string(), until: v.date() }),
  key: { pk: ["resource"] },
  indexes: { byOwner: { pk: ["owner"], sk: ["until"], index: "gsi5" } },
});

const ada = {
  tenant: "T1",
  id: "a1",
  email: "ada@example.com",
  balance: 10n ** 40n,
  createdAt: new Date("2026-01-02T03:04:05.678Z"),
  score: -12.5,
  tags: new Set(["admin"]),
  prefs: new Map<string, unknown>([
    ["theme", "dark"],
    ["since", new Date(0)],
  ]),
  avatar: new Uint8Array([1, 2, 3]),
};

function storeOn(table: string, atoms: Parameters<typeof createStore>[0]["atoms"]) {
  const { endpoint } = dynamo();
  const client = new DynamoDBClient(localClientConfig(endpoint));
  return { client, store: createStore({ table, atoms, client }) };
}

async function gsisOf(table: string): Promise<string[]> {
  const { Table } = await dynamo().client.send(new DescribeTableCommand({ TableName: table }));
  return (Table?.GlobalSecondaryIndexes ?? []).map((gsi) => gsi.IndexName ?? "").sort();
}

test("several atom types with different keys and indexes share one table", async (t) => {
  const table = dynamo().tableName("shared");
  const { client, store } = storeOn(table, [Account, Counter, Lease]);
  await store.ensureTable({ stream: false });
  t.deepEqual(await gsisOf(table), ["gsi1", "gsi2", "gsi3", "gsi5"]);

  const lease = { resource: "printer", owner: "ada", until: new Date(1000) };
  for (const item of [
    Account.encode(ada),
    Counter.encode({ name: "hits", n: 3 }),
    Lease.encode(lease),
  ]) {
    await client.send(new PutItemCommand({ TableName: table, Item: item }));
  }
  t.is(difference(await store.atom(Account, { tenant: "T1", id: "a1" }).deref(), ada), undefined);
  t.deepEqual(await store.atom(Counter, { name: "hits" }).deref(), { name: "hits", n: 3 });
  t.deepEqual(await store.atom(Lease, { resource: "printer" }).deref(), lease);
  t.is(await store.atom(Counter, { name: "missing" }).deref(), undefined);
  t.deepEqual(
    await store.atom(Counter, { name: "missing" }, { init: { name: "missing", n: 0 } }).deref(),
    {
      name: "missing",
      n: 0,
    },
  );
  await store.close();
});

test("ensureTable twice is a no-op: the second call only describes the table", async (t) => {
  const table = dynamo().tableName("twice");
  const { client, store } = storeOn(table, [Account, Counter]);
  const requests = recordRequests(client);
  await store.ensureTable({ stream: false });
  t.true(requests.sent.includes("CreateTableCommand"));
  requests.clear();
  await store.ensureTable({ stream: false });
  t.deepEqual(requests.sent, ["DescribeTableCommand"]);
  await store.close();
});

test("a newly registered atom with a new index gets its GSI added to the existing table", async (t) => {
  const table = dynamo().tableName("grow");
  const first = storeOn(table, [Counter, Lease]);
  await first.store.ensureTable({ stream: false });
  t.deepEqual(await gsisOf(table), ["gsi5"]);
  await first.client.send(
    new PutItemCommand({ TableName: table, Item: Counter.encode({ name: "c", n: 1 }) }),
  );

  const second = storeOn(table, [Counter, Lease, Account]);
  const requests = recordRequests(second.client);
  await second.store.ensureTable({ stream: false });
  t.deepEqual(await gsisOf(table), ["gsi1", "gsi2", "gsi3", "gsi5"]);
  t.is(requests.sent.filter((name) => name === "UpdateTableCommand").length, 3);
  const { Table } = await dynamo().client.send(new DescribeTableCommand({ TableName: table }));
  t.true((Table?.GlobalSecondaryIndexes ?? []).every((gsi) => gsi.IndexStatus === "ACTIVE"));
  t.deepEqual(await second.store.atom(Counter, { name: "c" }).deref(), { name: "c", n: 1 });
  await Promise.all([first.store.close(), second.store.close()]);
});

test("items written by X.encode are read by the generated ElectroDB entity, on every index", async (t) => {
  const table = dynamo().tableName("entity");
  const { client, store } = storeOn(table, [Account]);
  await store.ensureTable({ stream: false });
  await client.send(new PutItemCommand({ TableName: table, Item: Account.encode(ada) }));
  const entity = Account.entity(table, client);

  const got = await entity.get({ tenant: indexForm("T1"), id: indexForm("a1") }).go();
  t.is(got.data?.email, "ada@example.com");
  const byEmail = await entity.query.byEmail({ email: indexForm("ada@example.com") }).go();
  t.is(byEmail.data.length, 1);
  const byScore = await entity.query
    .byScore({ tenant: indexForm("T1") })
    .between({ score: indexForm(-20) }, { score: indexForm(-10) })
    .go();
  t.is(byScore.data.length, 1);
  const none = await entity.query
    .byScore({ tenant: indexForm("T1") })
    .gt({ score: indexForm(-12) })
    .go();
  t.is(none.data.length, 0);

  const raw = await client.send(
    new GetItemCommand({
      TableName: table,
      Key: Account.keyOf({ tenant: "T1", id: "a1" }),
      ConsistentRead: true,
    }),
  );
  t.is(difference(Account.decode(raw.Item ?? {}), ada), undefined);
  await store.close();
});

test("reading before ensureTable says to call it", async (t) => {
  const { store } = storeOn(dynamo().tableName("absent"), [Counter]);
  const err = await t.throwsAsync(store.atom(Counter, { name: "x" }).deref());
  t.true(isDynatomError(err, "store.table-missing"));
  t.regex(err?.message ?? "", /Call `await store\.ensureTable\(\)`/);
  await store.close();
});

test("a table with other keys is refused, listing what is wrong", async (t) => {
  const table = dynamo().tableName("foreign");
  await dynamo().client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    }),
  );
  const { store } = storeOn(table, [Counter]);
  const err = await t.throwsAsync(store.ensureTable({ stream: false }));
  t.true(isDynatomError(err, "store.table-mismatch"));
  t.regex(err?.message ?? "", /its key is \(id:HASH\), dynatom needs pk \(hash\) and sk \(range\)/);
  await store.close();
});

test("two atom types with one name cannot share a store; unregistered types are refused", async (t) => {
  const Other = defineAtom({
    name: "counter",
    version: 1,
    schema: v.object({ k: v.string() }),
    key: ["k"],
  });
  const err = t.throws(() => createStore({ table: "whatever", atoms: [Counter, Other] }));
  t.true(err instanceof DefinitionError);
  t.regex(err?.message ?? "", /Two atom types are named "counter"/);
  const store = createStore({ table: "whatever", atoms: [Counter] });
  t.true(
    isDynatomError(
      // @ts-expect-error: a compile error too; the run-time check is for callers tsc does not see
      t.throws(() => store.atom(Lease, { resource: "r" })),
      "store.unknown-atom",
    ),
  );
  await store.close();
});

test('endpoint "embedded" starts DynamoDB Local on first use and close() stops it', async (t) =>
  oneJvmStartAtATime(async () => {
    const store = createStore({ table: "embedded-demo", atoms: [Counter], endpoint: "embedded" });
    await store.ensureTable({ stream: false });
    t.is(await store.atom(Counter, { name: "x" }).deref(), undefined);
    const pids = (await import("node:child_process"))
      .execSync("ps -eo pid,args")
      .toString()
      .split("\n")
      .filter((line) => line.includes("DynamoDBLocal.jar") && line.includes("-inMemory"))
      .map((line) => Number(line.trim().split(/\s+/)[0]));
    await store.close();
    t.true(pids.length > 0);
    const closed = await t.throwsAsync(store.atom(Counter, { name: "x" }).deref());
    t.true(isDynatomError(closed, "store.closed"));
    t.true(
      pids.some((pid) => !alive(pid)),
      "the embedded JVM is still running",
    );
  }));

test("a failed embedded start is not kept: the next call starts DynamoDB Local", (t) =>
  oneJvmStartAtATime(async () => {
    const store = createStore({ table: "embedded-retry", atoms: [Counter], endpoint: "embedded" });
    const { PATH, JAVA_HOME } = process.env;
    process.env.PATH = "/nonexistent";
    delete process.env.JAVA_HOME;
    try {
      const err = await t.throwsAsync(store.ensureTable({ stream: false }));
      t.true(isDynatomError(err, "local.java-missing"), String(err));
    } finally {
      process.env.PATH = PATH;
      if (JAVA_HOME !== undefined) process.env.JAVA_HOME = JAVA_HOME;
    }
    try {
      await store.ensureTable({ stream: false });
      t.is(await store.atom(Counter, { name: "x" }).deref(), undefined);
    } finally {
      await store.close();
    }
  }));

/** Runs `body` with a store whose endpoint accepts connections and never answers. */
async function onSilentServer(
  timeouts: { requestTimeoutMs: number; deadlineMs: number },
  body: (store: Store<readonly (typeof Counter)[]>, silent: { open(): number }) => Promise<void>,
): Promise<void> {
  const silent = await startSilentServer();
  const store = createStore({
    table: "silent",
    atoms: [Counter],
    endpoint: silent.endpoint,
    requestTimeoutMs: timeouts.requestTimeoutMs,
    retry: { deadlineMs: timeouts.deadlineMs },
  });
  try {
    await body(store, silent);
  } finally {
    await store.close();
    silent.close();
  }
}

test("a server that accepts and never answers: every call fails in its bounds, none hangs", (t) =>
  onSilentServer({ requestTimeoutMs: 300, deadlineMs: 2_000 }, async (store) => {
    const read = await t.throwsAsync(store.atom(Counter, { name: "x" }).deref());
    t.true(isDynatomError(read, "store.request-failed"), String(read));
    t.true(isDynatomError(read) && read.retryable);
    const swap = await t.throwsAsync(
      store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } }).swap((c) => c),
    );
    t.true(isDynatomError(swap), String(swap));
    const found = await t.throwsAsync(store.findItems(Counter, [{ name: "x" }]));
    t.true(isDynatomError(found), String(found));
  }));

test("a call that runs out of time cuts its request: no connection is left open", (t) =>
  // The deadline ends the call long before the request timeout would: the request must be cut
  // then too, or every such call would hold a socket for a minute.
  onSilentServer({ requestTimeoutMs: 60_000, deadlineMs: 300 }, async (store, silent) => {
    await t.throwsAsync(store.atom(Counter, { name: "x" }).deref());
    await t.throwsAsync(
      store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } }).swap((c) => c),
    );
    for (let waited = 0; silent.open() > 0 && waited < 10_000; waited += 50) await sleep(50);
    t.is(silent.open(), 0);
  }));

test("a call that runs out of time while the answer trickles in cuts it: no connection left open", async (t) => {
  // Once the headers are in, no handler timeout bounds the body: the call must cut it itself.
  const server = await startTrickleServer();
  const store = createStore({
    table: "trickle",
    atoms: [Counter],
    endpoint: server.endpoint,
    requestTimeoutMs: 60_000,
    retry: { maxAttempts: 1, deadlineMs: 300 },
  });
  try {
    await t.throwsAsync(store.atom(Counter, { name: "x" }).deref());
    for (let waited = 0; server.open() > 0 && waited < 10_000; waited += 50) await sleep(50);
    t.is(server.open(), 0);
  } finally {
    await store.close();
    server.close();
  }
});

test("requestTimeoutMs must be a positive number of ms", (t) => {
  const err = t.throws(() =>
    createStore({ table: "app", atoms: [Counter], endpoint: "aws", requestTimeoutMs: Number.NaN }),
  );
  t.true(isDynatomError(err, "store.invalid-option"), String(err));
});
