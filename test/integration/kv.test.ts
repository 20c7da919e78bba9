// The key-value facade (`store.kv`): konserve's compliance behaviours (get, assoc-in, update-in,
// dissoc, exists, keys, multi-assoc, append/log, binary) and dynastore's (create-only and
// versioned conflicts, paged listing with a prefix, TTL), on a real DynamoDB Local.
import {
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { intercept } from "../helpers/intercept.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);
let table = "";

test.before(async () => {
  table = dynamo().tableName("kv");
  const store = createStore({ table, atoms: [], client: dynamo().client });
  await store.ensureTable({ stream: false });
  await store.close();
});

function open(t: { teardown(fn: () => Promise<void> | void): void }) {
  const store = createStore({ table, atoms: [], client: dynamo().client });
  t.teardown(() => store.close());
  return store;
}

/** A store on its own client, with every command it sends counted by name. */
function counted(t: { teardown(fn: () => Promise<void> | void): void }) {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  const sent: string[] = [];
  intercept(
    client,
    async (name, _input, next) => {
      sent.push(name);
      return next();
    },
    "count",
  );
  const store = createStore({ table, atoms: [], client });
  t.teardown(async () => {
    await store.close();
    client.destroy();
  });
  return { store, sent };
}

/** The `details` of a dynatom error. */
function detailsOf(err: unknown): object {
  return (err as { details: object }).details;
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

test("get, entry, exists and set: any value the codec takes, with versions 1, 2, …", async (t) => {
  const kv = open(t).kv("compliance-get");
  t.is(await kv.get("missing"), undefined);
  t.is(await kv.entry("missing"), undefined);
  t.false(await kv.exists("missing"));
  const value = {
    when: new Date("2026-01-02T03:04:05.678Z"),
    big: 12345678901234567890n,
    tags: new Set(["a", "b"]),
    prefs: new Map<unknown, unknown>([
      [1, "one"],
      ["x", { deep: [1, 2] }],
    ]),
    bytes: new Uint8Array([1, 2, 3]),
    nothing: null,
  };
  t.deepEqual(await kv.set("site", value), { version: 1 });
  t.deepEqual(await kv.get("site"), value);
  t.deepEqual(await kv.entry("site"), { value, version: 1 });
  t.true(await kv.exists("site"));
  t.deepEqual(await kv.set("site", "plain"), { version: 2 });
  t.is(await kv.get("site"), "plain");
  // Other namespaces are other partitions.
  t.is(await open(t).kv("compliance-other").get("site"), undefined);
});

test("getIn, assocIn, updateIn and dissocIn work on paths through objects, Maps and arrays", async (t) => {
  const kv = open(t).kv("compliance-paths");
  t.deepEqual(await kv.assocIn("doc", ["theme", "color"], "teal"), [undefined, "teal"]);
  t.deepEqual(await kv.get("doc"), { theme: { color: "teal" } });
  t.is(await kv.getIn("doc", ["theme", "color"]), "teal");
  t.is(await kv.getIn("doc", ["theme", "missing", "deeper"]), undefined);
  t.deepEqual(await kv.updateIn("doc", ["hits"], (n: number = 0) => n + 1), [undefined, 1]);
  t.deepEqual(await kv.updateIn("doc", ["hits"], (n: number = 0) => n + 1), [1, 2]);
  await kv.assocIn("doc", ["list"], [10, 20, 30]);
  await kv.assocIn("doc", ["byId"], new Map([["a", { n: 1 }]]));
  t.deepEqual(await kv.updateIn("doc", ["byId", "a", "n"], (n: number = 0) => n + 1), [1, 2]);
  t.true(await kv.dissocIn("doc", ["list", 1]));
  t.true(await kv.dissocIn("doc", ["theme", "color"]));
  t.false(await kv.dissocIn("doc", ["theme", "color"]), "nothing left to remove: no write");
  t.false(await kv.dissocIn("absent", ["x"]));
  t.deepEqual(await kv.get("doc"), {
    theme: {},
    hits: 2,
    list: [10, 30],
    byId: new Map([["a", { n: 2 }]]),
  });
  const { version } = (await kv.entry("doc")) as { version: number };
  t.is(version, 8, "each change one version; the refused dissocs wrote nothing");
  // An empty path is the whole value.
  t.deepEqual(await kv.assocIn("doc", [], { fresh: true }), [
    { theme: {}, hits: 2, list: [10, 30], byId: new Map([["a", { n: 2 }]]) },
    { fresh: true },
  ]);
});

test("concurrent updateIn on one key from many kv handles: every increment counts once", async (t) => {
  const store = open(t);
  const n = 40;
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      store
        .kv("compliance-hot")
        .updateIn(`counter`, ["n", i % 2 === 0 ? "even" : "odd"], (c: number = 0) => c + 1),
    ),
  );
  const other = createStore({ table, atoms: [], client: dynamo().client });
  t.teardown(() => other.close());
  await Promise.all(
    Array.from({ length: 10 }, () =>
      other.kv("compliance-hot").updateIn("counter", ["n", "even"], (c: number = 0) => c + 1),
    ),
  );
  t.deepEqual(await store.kv("compliance-hot").get("counter"), { n: { even: 30, odd: 20 } });
});

test("put ifAbsent creates only; a present key is kv.key-exists naming namespace and key", async (t) => {
  const kv = open(t).kv("dynastore-create");
  t.deepEqual(await kv.put("job-7", { step: 1 }, { ifAbsent: true }), { version: 1 });
  const err = await t.throwsAsync(kv.put("job-7", { step: 2 }, { ifAbsent: true }));
  t.true(isDynatomError(err, "kv.key-exists"));
  t.deepEqual(detailsOf(err), {
    namespace: "dynastore-create",
    key: "job-7",
    version: 1,
  });
  t.regex(String(err?.message), /dynastore-create.*job-7/);
  t.deepEqual(await kv.get("job-7"), { step: 1 }, "nothing was written");
  // Another process's cached view does not decide: the refusal rests on the stored item.
  const fresh = open(t).kv("dynastore-create");
  await kv.delete("job-7");
  // A key deleted and made again starts again at version 1.
  t.deepEqual(await fresh.put("job-7", { step: 3 }, { ifAbsent: true }), { version: 1 });
});

test("put and delete ifVersion: kv.version-mismatch and kv.not-found, nothing written", async (t) => {
  const kv = open(t).kv("dynastore-versions");
  const missing = await t.throwsAsync(kv.put("doc", 1, { ifVersion: 1 }));
  t.true(isDynatomError(missing, "kv.not-found"));
  t.deepEqual(detailsOf(missing), {
    namespace: "dynastore-versions",
    key: "doc",
    expected: 1,
  });
  await kv.set("doc", "a");
  await kv.set("doc", "b");
  const stale = await t.throwsAsync(kv.put("doc", "c", { ifVersion: 1 }));
  t.true(isDynatomError(stale, "kv.version-mismatch"));
  t.deepEqual(detailsOf(stale), {
    namespace: "dynastore-versions",
    key: "doc",
    expected: 1,
    actual: 2,
  });
  t.deepEqual(await kv.put("doc", "c", { ifVersion: 2 }), { version: 3 });
  const staleDelete = await t.throwsAsync(kv.delete("doc", { ifVersion: 2 }));
  t.true(isDynatomError(staleDelete, "kv.version-mismatch"));
  t.is(await kv.get("doc"), "c");
  t.true(await kv.delete("doc", { ifVersion: 3 }));
  t.false(await kv.delete("doc"), "delete answers whether the key existed");
  const goneDelete = await t.throwsAsync(kv.delete("doc", { ifVersion: 3 }));
  t.true(isDynatomError(goneDelete, "kv.not-found"));
});

test("two writers with ifVersion on one version: exactly one wins", async (t) => {
  const a = open(t).kv("dynastore-race");
  const b = open(t).kv("dynastore-race");
  const { version } = await a.set("doc", 0);
  const results = await Promise.allSettled([
    a.put("doc", "a", { ifVersion: version }),
    b.put("doc", "b", { ifVersion: version }),
  ]);
  const won = results.filter((r) => r.status === "fulfilled");
  const lost = results.filter((r) => r.status === "rejected");
  t.is(won.length, 1);
  t.is(lost.length, 1);
  t.true(isDynatomError((lost[0] as PromiseRejectedResult).reason, "kv.version-mismatch"));
});

test("keys and listPage: every page, with a prefix, in key order, strongly consistent", async (t) => {
  const kv = open(t).kv("dynastore-list");
  const jobs = Array.from({ length: 230 }, (_, i) => `job-${String(i).padStart(3, "0")}`);
  for (let i = 0; i < jobs.length; i += 100) {
    await kv.multiSet(Object.fromEntries(jobs.slice(i, i + 100).map((k) => [k, { k }])));
  }
  await kv.multiSet({ "jobs-not": 1, jo: 2, other: 3, job: 4 });
  const listed: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await kv.listPage({ prefix: "job-", limit: 40, ...(cursor ? { cursor } : {}) });
    pages++;
    t.true(page.keys.length <= 40);
    for (const info of page.keys) {
      t.is(info.version, 1);
      listed.push(info.key);
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  t.deepEqual(listed, jobs);
  t.is(pages, 6);
  t.deepEqual(await all(kv.keys({ prefix: "job-" })), jobs);
  t.deepEqual((await all(kv.keys())).length, 234);
  // A key set just now is listed at once (strongly consistent by default).
  await kv.set("job-999", 1);
  t.is((await all(kv.keys({ prefix: "job-9" }))).at(-1), "job-999");
  const forged = await t.throwsAsync(kv.listPage({ prefix: "job-", cursor: "not a cursor" }));
  t.true(isDynatomError(forged, "kv.invalid-option"));
  const other = await t.throwsAsync(
    kv.listPage({ prefix: "other", cursor: Buffer.from("job-001").toString("base64url") }),
  );
  t.true(isDynatomError(other, "kv.invalid-option"), "a cursor of another prefix is refused");
});

test("TTL: an expired key is absent to every read, listing and ifAbsent put before DynamoDB deletes it", async (t) => {
  const kv = open(t).kv("dynastore-ttl");
  await kv.set("stays", 1);
  // Long enough to be read live on a loaded machine; then the test waits for it to pass.
  const { version } = await kv.set("short", { v: 1 }, { ttlSeconds: 6 });
  const entry = await kv.entry("short");
  t.is(entry?.version, version);
  t.true(entry?.expiresAt instanceof Date);
  t.is(
    (entry?.expiresAt ?? new Date(Number.NaN)).getTime() % 1000,
    0,
    "whole seconds, as DynamoDB's TTL keeps them",
  );
  const page = await kv.listPage();
  t.deepEqual(
    page.keys.find((k) => k.key === "short")?.expiresAt,
    entry?.expiresAt,
    "listPage shows the expiry entry shows",
  );
  const wait = (entry?.expiresAt ?? new Date(Number.NaN)).getTime() - Date.now() + 100;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  t.is(await kv.get("short"), undefined);
  t.is(await kv.entry("short"), undefined);
  t.is(await kv.getIn("short", ["v"]), undefined);
  t.false(await kv.exists("short"));
  t.deepEqual(await all(kv.keys()), ["stays"]);
  t.deepEqual(
    (await kv.listPage()).keys.map((k) => k.key),
    ["stays"],
  );
  const notFound = await t.throwsAsync(kv.put("short", 2, { ifVersion: version }));
  t.true(isDynatomError(notFound, "kv.not-found"));
  t.false(await kv.delete("short"), "an expired key did not exist");
  // The item is still there (DynamoDB Local deletes nothing by TTL here), yet the key is free.
  t.deepEqual(await kv.updateIn("short", ["v"], (n?: number) => n ?? 0), [undefined, 0]);
  t.deepEqual(await kv.get("short"), { v: 0 }, "a change on an expired key starts from nothing");
  await kv.set("short", 1, { ttlSeconds: 1 });
  await new Promise((resolve) => setTimeout(resolve, 2100));
  t.truthy(await kv.put("short", "new", { ifAbsent: true }), "ifAbsent takes an expired key");
  t.is(await kv.get("short"), "new");
  t.is((await kv.entry("short"))?.expiresAt, undefined, "set without ttlSeconds never expires");
  // DynamoDB Local can leave a GSI added later CREATING for good on a table with TTL on: there,
  // TTL is turned on only for atom types that declare ttl. The expiry above held by reads alone.
  const { TimeToLiveDescription } = await dynamo().client.send(
    new DescribeTimeToLiveCommand({ TableName: table }),
  );
  t.is(TimeToLiveDescription?.TimeToLiveStatus, "DISABLED");
});

test("assocIn keeps the key's expiry; set replaces it", async (t) => {
  const kv = open(t).kv("ttl-keep");
  await kv.set("k", { a: 1 }, { ttlSeconds: 3600 });
  const before = (await kv.entry("k"))?.expiresAt;
  await kv.assocIn("k", ["b"], 2);
  t.deepEqual((await kv.entry("k"))?.expiresAt, before);
  await kv.set("k", { a: 1 });
  t.is((await kv.entry("k"))?.expiresAt, undefined);
});

test("multiSet and multiDelete: one transaction each; over 100 keys is refused before any request", async (t) => {
  const { store, sent } = counted(t);
  const kv = store.kv("multi");
  await kv.multiSet({ a: 1, b: { two: 2 }, c: [3] });
  t.deepEqual(await Promise.all(["a", "b", "c"].map((k) => kv.get(k))), [1, { two: 2 }, [3]]);
  t.is(sent.filter((name) => name === "TransactWriteItemsCommand").length, 1);
  await kv.multiDelete(["a", "b", "b", "absent"]);
  t.deepEqual(await Promise.all(["a", "b", "c"].map((k) => kv.exists(k))), [false, false, true]);
  sent.length = 0;
  const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
  const err = await t.throwsAsync(kv.multiSet(many));
  t.true(isDynatomError(err, "kv.too-many-keys"));
  t.like(detailsOf(err), { namespace: "multi", count: 101, limit: 100 });
  const del = await t.throwsAsync(kv.multiDelete(Object.keys(many)));
  t.true(isDynatomError(del, "kv.too-many-keys"));
  t.deepEqual(sent, [], "nothing was sent");
  // All or nothing: one unencodable value fails them all, before any request.
  const bad = await t.throwsAsync(kv.multiSet({ x: 1, y: () => 1 }));
  t.true(isDynatomError(bad, "encoding"));
  t.deepEqual(sent, []);
  t.false(await kv.exists("x"));
});

test("bad keys and namespaces: kv.invalid-key naming them, before any request", async (t) => {
  const { store, sent } = counted(t);
  const kv = store.kv("bad-keys");
  const cases: unknown[] = ["", "\ud800x", "k".repeat(701), 7, undefined];
  for (const key of cases) {
    const err = await t.throwsAsync(kv.set(key as string, 1));
    t.true(isDynatomError(err, "kv.invalid-key"), String(key));
    t.is((detailsOf(err) as { namespace: string }).namespace, "bad-keys");
  }
  await kv.set("k".repeat(700), 1);
  for (const call of [
    () => kv.get(""),
    () => kv.delete(""),
    () => kv.append("", 1),
    () => kv.setBlob("", new Uint8Array()),
    () => kv.getBlob("\udfff"),
  ]) {
    t.true(isDynatomError(await t.throwsAsync(call()), "kv.invalid-key"));
  }
  t.throws(() => store.kv(""), { message: /namespace/ });
  t.throws(() => store.kv("n".repeat(257)), { message: /namespace/ });
  const fn = await t.throwsAsync(kv.set("fn", { run: () => 1 }));
  t.true(isDynatomError(fn, "encoding"), "a value the codec refuses fails before any request");
  const ttl = await t.throwsAsync(kv.set("t", 1, { ttlSeconds: -1 }));
  t.true(isDynatomError(ttl, "kv.invalid-option"));
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.deepEqual(
    sent.filter((name) => name !== "PutItemCommand" && name !== "GetItemCommand"),
    [],
  );
  t.is(sent.length, 2, "only the valid 700-byte key was written (one read, one write)");
});

test("append and log: seq 0, 1, 2, … in order, one conditional write per append", async (t) => {
  const { store, sent } = counted(t);
  const kv = store.kv("logs");
  t.deepEqual(await kv.append("events", { n: 0 }), { seq: 0 });
  sent.length = 0;
  for (let n = 1; n < 25; n++) t.deepEqual(await kv.append("events", { n }), { seq: n });
  t.deepEqual(sent, Array(24).fill("PutItemCommand"), "ONE request per append, no read");
  const entries = await all(kv.log("events"));
  t.deepEqual(
    entries.map((e) => [e.seq, e.value]),
    Array.from({ length: 25 }, (_, n) => [n, { n }]),
  );
  t.true(entries.every((e) => e.at instanceof Date));
  t.deepEqual(
    (await all(kv.log("events", { from: 20, limit: 3 }))).map((e) => e.seq),
    [20, 21, 22],
  );
  t.deepEqual(await all(kv.log("never")), []);
  // A store that has not seen the log finds its head.
  t.deepEqual(await open(t).kv("logs").append("events", { n: 25 }), { seq: 25 });
  // Another log of the namespace is another sequence.
  t.deepEqual(await kv.append("other", "x"), { seq: 0 });
  // The same name as a value key is another thing.
  t.is(await kv.get("events"), undefined);
});

test("setBlob, getBlob, openBlob: bytes and streams of several chunks, sha-256 named", async (t) => {
  const kv = open(t).kv("blobs");
  const bytes = new Uint8Array(1_000_003).map((_, i) => (i * 7) % 256);
  const info = await kv.setBlob("logo", bytes);
  t.is(info.size, bytes.length);
  t.regex(info.sha256, /^[0-9a-f]{64}$/);
  t.deepEqual(await kv.getBlob("logo"), bytes);
  const opened = await kv.openBlob("logo");
  t.is(opened?.size, bytes.length);
  t.is(opened?.sha256, info.sha256);
  const pieces = await all(opened?.stream ?? new ReadableStream<Uint8Array>());
  t.deepEqual(Buffer.concat(pieces), Buffer.from(bytes));
  // From an async iterable of odd-sized pieces.
  async function* pieces3() {
    for (let at = 0; at < bytes.length; at += 99_991) yield bytes.subarray(at, at + 99_991);
  }
  const again = await kv.setBlob("logo", pieces3());
  t.is(again.sha256, info.sha256);
  t.is(again.version, 2);
  t.deepEqual(await kv.getBlob("logo"), bytes);
  // Empty.
  await kv.setBlob("empty", new Uint8Array());
  t.deepEqual(await kv.getBlob("empty"), new Uint8Array());
  t.is(await kv.getBlob("none"), undefined);
  t.is(await kv.openBlob("none"), undefined);
  t.true(await kv.deleteBlob("logo"));
  t.false(await kv.deleteBlob("logo"));
  t.is(await kv.getBlob("logo"), undefined);
});

test("old chunks are removed after the switch, and a deleted blob leaves none", async (t) => {
  const kv = open(t).kv("blob-chunks");
  await kv.setBlob("b", new Uint8Array(900_000).fill(1));
  await kv.setBlob("b", new Uint8Array(500_000).fill(2));
  t.is(await chunkCount("blob-chunks", "b"), 2, "only the new generation's two chunks");
  await kv.deleteBlob("b");
  t.is(await chunkCount("blob-chunks", "b"), 0);
});

/** Chunk items of a blob, of any generation, by a scan of the table (what the console shows). */
async function chunkCount(ns: string, name: string): Promise<number> {
  const { ScanCommand } = await import("@aws-sdk/client-dynamodb");
  let count = 0;
  let start: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue> | undefined;
  do {
    const page = await dynamo().client.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: "#e = :e AND #ns = :ns AND #n = :n",
        ExpressionAttributeNames: { "#e": "__edb_e__", "#ns": "ns", "#n": "name" },
        ExpressionAttributeValues: {
          ":e": { S: "dynatom-kvchunk" },
          ":ns": { S: ns },
          ":n": { S: name },
        },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

test("a corrupted or missing chunk is kv.corrupt-blob naming namespace and blob", async (t) => {
  const kv = open(t).kv("blob-corrupt");
  await kv.setBlob("doc", new Uint8Array(800_000).fill(9));
  const manifest = await dynamo().client.send(
    new GetItemCommand({
      TableName: table,
      Key: { pk: { S: "$dynatom#ns_blob-corrupt" }, sk: { S: "$dynatom-kvblob_1#name_doc" } },
    }),
  );
  const generation = manifest.Item?.generation?.S as string;
  t.truthy(generation);
  const chunkKey = (index: string) => ({
    pk: { S: `$dynatom#ns_blob-corrupt#name_doc#generation_${generation}` },
    sk: { S: `$dynatom-kvchunk_1#index_${index}` },
  });
  // Chunk 1 (index form "3400:1"): one byte flipped, same length.
  const one = await dynamo().client.send(
    new GetItemCommand({ TableName: table, Key: chunkKey("3400:1") }),
  );
  const altered = Uint8Array.from(one.Item?.bytes?.B as Uint8Array);
  altered[1000] = 0;
  await dynamo().client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: chunkKey("3400:1"),
      UpdateExpression: "SET #b = :b",
      ExpressionAttributeNames: { "#b": "bytes" },
      ExpressionAttributeValues: { ":b": { B: altered } },
    }),
  );
  const err = await t.throwsAsync(kv.getBlob("doc"));
  t.true(isDynatomError(err, "kv.corrupt-blob"), String(err));
  t.like(detailsOf(err), { namespace: "blob-corrupt", key: "doc" });
  t.regex(String(err?.message), /sha-256/);
  // The stream errors instead of ending: its last chunk is held until the hash is checked.
  const opened = await kv.openBlob("doc");
  const streamed = await t.throwsAsync(all(opened?.stream ?? new ReadableStream<Uint8Array>()));
  t.true(isDynatomError(streamed, "kv.corrupt-blob"));
  // A missing chunk.
  const { DeleteItemCommand } = await import("@aws-sdk/client-dynamodb");
  await dynamo().client.send(new DeleteItemCommand({ TableName: table, Key: chunkKey("2") }));
  const missing = await t.throwsAsync(kv.getBlob("doc"));
  t.true(isDynatomError(missing, "kv.corrupt-blob"));
  t.regex(String(missing?.message), /chunk 0 of 3 is missing/);
});

test("the stored items read well in the console", async (t) => {
  const kv = open(t).kv("console");
  await kv.set("site", { theme: "dark", hits: 3n });
  await kv.append("events", { type: "login" });
  const { Item } = await dynamo().client.send(
    new GetItemCommand({
      TableName: table,
      Key: { pk: { S: "$dynatom#ns_console" }, sk: { S: "$dynatom-kv_1#key_site" } },
    }),
  );
  t.like(Item, {
    ns: { S: "console" },
    key: { S: "site" },
    value: { M: { theme: { S: "dark" }, hits: { N: "3" } } },
    _ver: { N: "1" },
    __edb_e__: { S: "dynatom-kv" },
  });
  const log = await dynamo().client.send(
    new GetItemCommand({
      TableName: table,
      Key: { pk: { S: "$dynatom#ns_console#log_events" }, sk: { S: "$dynatom-kvlog_1#seq_2" } },
    }),
  );
  t.like(log.Item, { seq: { N: "0" }, value: { M: { type: { S: "login" } } } });
});

test("the facade's type names are reserved: defineAtom and createStore refuse them", (t) => {
  const err = t.throws(() =>
    defineAtom({
      name: "dynatom-kv",
      version: 1,
      schema: v.object({ id: v.string() }),
      key: ["id"],
    }),
  );
  t.true(isDynatomError(err, "definition.invalid"));
  t.regex(String(err?.message), /reserved/);
});

test("a table whose TTL is on for another attribute: kv alone leaves it; an atom type with ttl is refused", async (t) => {
  const { UpdateTimeToLiveCommand } = await import("@aws-sdk/client-dynamodb");
  const other = dynamo().tableName("other-ttl");
  const first = createStore({ table: other, atoms: [], client: dynamo().client });
  t.teardown(() => first.close());
  await first.ensureTable({ stream: false });
  await dynamo().client.send(
    new UpdateTimeToLiveCommand({
      TableName: other,
      TimeToLiveSpecification: { Enabled: true, AttributeName: "gone_at" },
    }),
  );
  await t.notThrowsAsync(first.ensureTable({ stream: false }));
  const Session = defineAtom({
    name: "session",
    version: 1,
    schema: v.object({ id: v.string(), until: v.date() }),
    key: ["id"],
    ttl: "until",
  });
  const withTtl = createStore({ table: other, atoms: [Session], client: dynamo().client });
  t.teardown(() => withTtl.close());
  const err = await t.throwsAsync(withTtl.ensureTable({ stream: false }));
  t.true(isDynatomError(err, "store.table-mismatch"), String(err));
});

test("a log whose partition key another item spells too reads only its entries", async (t) => {
  // The atom key "a#log_b" spells the log partition of namespace "a", log "b": one partition.
  const Zeta = defineAtom({
    name: "zeta",
    version: 1,
    schema: v.object({ ns: v.string(), n: v.number() }),
    key: ["ns"],
  });
  const store = createStore({ table, atoms: [Zeta], client: dynamo().client });
  t.teardown(() => store.close());
  await store.atom(Zeta, { ns: "a#log_b" }).reset({ ns: "a#log_b", n: 1 });
  const logs = store.kv("a");
  t.deepEqual(await logs.append("b", "first"), { seq: 0 });
  t.deepEqual(await open(t).kv("a").append("b", "second"), { seq: 1 }, "the head is the log's");
  t.deepEqual(
    (await all(logs.log("b"))).map((e) => e.value),
    ["first", "second"],
  );
  t.deepEqual(await store.atom(Zeta, { ns: "a#log_b" }).deref(), { ns: "a#log_b", n: 1 });
});
