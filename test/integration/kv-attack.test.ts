// Attack on the key-value facade (store.kv, src/kv/): lost answers on conditional puts, deletes
// and appends; items expired but still present; cursors, names and paths at their edges; blob
// streams that fail, chunks altered or removed, blobs replaced while read. Each test states what
// a user relies on ("never lost, never twice", typed errors before any request) and a sequence of
// events, made deterministic by middleware on a real client of DynamoDB Local.
import { DeleteItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import test, { type ExecutionContext } from "ava";
import { createStore, isDynatomError } from "dynatom";
import { deferred } from "../helpers/intercept.js";
import {
  codeOf,
  freshNs,
  kvRig,
  lost,
  lostThenThrottled,
  must,
  type Rig,
  type RigOptions,
  rawItems,
  throttled,
} from "../helpers/kv-rig.js";
import { startSilentServer } from "../helpers/silent-server.js";
import { useTestDynamo, useTestTable } from "../helpers/table.js";

const dynamo = useTestDynamo(test);
// Made before the hooks below run: a plain pk/sk table, with DynamoDB's TTL off.
const plainTable = useTestTable(test);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The store's own table (TTL on). */
let table = "";
/** A table with DynamoDB's TTL off: expired items stay, as DynamoDB keeps them for days. */
let keep = "";

test.before(async () => {
  table = dynamo().tableName("kv");
  await createStore({ table, atoms: [], client: dynamo().client }).ensureTable({ stream: false });
  keep = plainTable().table;
});

/** A rig on this file's table (or `options.table`). */
function rig(t: ExecutionContext, options: RigOptions & { table?: string } = {}): Rig {
  return kvRig(t, dynamo().endpoint, options.table ?? table, options);
}

/** The chunk items of blob `name` in namespace `ns` (any generation). */
async function chunkItems(tbl: string, ns: string, name: string) {
  const items = await rawItems(dynamo().client, tbl, "$dynatom-kvchunk_1");
  return items.filter((i) => i.pk?.S?.includes(`#ns_${ns}#name_${name}#`));
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Lost answers on conditional writes

test("put ifAbsent whose answer is lost after commit resolves with version 1, not kv.key-exists for its own write", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("lost-ifabsent"));
  let puts = 0;
  r.hook = async (name, _input, next) => {
    if (name === "PutItemCommand" && ++puts === 1) {
      await next();
      throw lost();
    }
    return next();
  };
  const result = await kv.put("job-7", { n: 1 }, { ifAbsent: true });
  t.deepEqual(result, { version: 1 });
  t.deepEqual(await kv.entry("job-7"), { value: { n: 1 }, version: 1 });
});

test("put ifAbsent: answer lost after commit, then the settle read is throttled: still version 1 and applied once", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("lost-ifabsent-thr"));
  let puts = 0;
  let gets = 0;
  r.hook = async (name, _input, next) => {
    if (name === "PutItemCommand" && ++puts === 1) {
      await next();
      throw lost();
    }
    if (name === "GetItemCommand" && puts >= 1 && ++gets <= 2) throw throttled();
    return next();
  };
  t.deepEqual(await kv.put("a", "v", { ifAbsent: true }), { version: 1 });
  t.is((await kv.entry("a"))?.version, 1);
  t.is(puts, 1, "never sent twice over an absent basis");
});

test("put ifVersion whose answer is lost after commit, then throttled resends: resolves v+1, applied once", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("lost-ifversion"));
  await kv.set("k", 1);
  await kv.set("k", 2);
  r.hook = lostThenThrottled("PutItemCommand", 2).hook;
  const result = await kv.put("k", 3, { ifVersion: 2 });
  t.deepEqual(result, { version: 3 });
  t.deepEqual(await r.store.kv(kv.namespace).entry("k"), { value: 3, version: 3 });
});

test("put ifVersion lost after commit while another writer writes on top: no version-mismatch for its own write", async (t) => {
  const r = rig(t);
  const other = rig(t);
  const ns = freshNs("lost-ifversion-other");
  const kv = r.store.kv(ns);
  await kv.set("k", "a");
  let puts = 0;
  r.hook = async (name, _input, next) => {
    if (name === "PutItemCommand" && ++puts === 1) {
      await next();
      await other.store.kv(ns).set("k", "c"); // lands on top of ours before we learn of ours
      throw lost();
    }
    return next();
  };
  const result = await kv.put("k", "b", { ifVersion: 1 });
  // What a user does with the version: replace only their own write ("b"). It must be refused,
  // as "c" is on top of it now.
  await kv.put("k", "b2", { ifVersion: result.version }).catch(() => undefined);
  t.is(
    await other.store.kv(ns).get("k"),
    "c",
    `put reported version ${result.version}; put ifVersion ${result.version} then overwrote the other writer's "c"`,
  );
  t.deepEqual(result, { version: 2 }, "our write made version 2");
});

test("put ifAbsent lost after commit while another writer writes on top: it reports the version IT wrote (1)", async (t) => {
  const r = rig(t);
  const other = rig(t);
  const ns = freshNs("lost-ifabsent-other");
  const kv = r.store.kv(ns);
  let puts = 0;
  r.hook = async (name, _input, next) => {
    if (name === "PutItemCommand" && ++puts === 1) {
      await next();
      await other.store.kv(ns).set("k", "theirs");
      throw lost();
    }
    return next();
  };
  const result = await kv.put("k", "mine", { ifAbsent: true });
  // What a user does with the version: replace only their own write. It must be refused.
  await kv.put("k", "mine-2", { ifVersion: result.version }).catch(() => undefined);
  t.is(
    await other.store.kv(ns).get("k"),
    "theirs",
    `put reported version ${result.version}; put ifVersion ${result.version} then overwrote the other writer's value`,
  );
  t.deepEqual(result, { version: 1 }, "version 2 is the other writer's value, not ours");
});

test("delete whose answer is lost after commit, then throttled resends: true, and the key is gone", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("lost-delete"));
  await kv.set("k", 1);
  r.hook = lostThenThrottled("DeleteItemCommand", 2).hook;
  t.true(await kv.delete("k"));
  t.false(await kv.exists("k"));
});

test("delete ifVersion whose answer is lost after commit: true, not kv.not-found for its own delete", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("lost-delete-ifv"));
  await kv.set("k", 1);
  await kv.set("k", 2);
  let dels = 0;
  r.hook = async (name, _input, next) => {
    if (name === "DeleteItemCommand" && ++dels === 1) {
      await next();
      throw lost();
    }
    return next();
  };
  t.true(await kv.delete("k", { ifVersion: 2 }));
  t.false(await kv.exists("k"));
});

test("a lost delete, the key made again by another before the resend: the new value stays (true or outcome unknown)", async (t) => {
  const r = rig(t);
  const other = rig(t);
  const ns = freshNs("lost-delete-recreate");
  const kv = r.store.kv(ns);
  await kv.set("k", "old");
  let dels = 0;
  r.hook = async (name, _input, next) => {
    if (name === "DeleteItemCommand" && ++dels === 1) {
      await next();
      await other.store.kv(ns).put("k", "new", { ifAbsent: true });
      throw lost();
    }
    return next();
  };
  try {
    t.true(await kv.delete("k"));
  } catch (error) {
    t.true(isDynatomError(error, "atom.outcome-unknown"), String(error));
  }
  t.is(await other.store.kv(ns).get("k"), "new", "the value made after the delete is not deleted");
});

// ---------------------------------------------------------------------------------------------
// Logs

test("append: a lost answer, then another appender takes the next seq: seqs 0 and 1, each entry once", async (t) => {
  const a = rig(t);
  const b = rig(t);
  const ns = freshNs("log-lost");
  let puts = 0;
  a.hook = async (name, _input, next) => {
    if (name === "PutItemCommand" && ++puts === 1) {
      await next();
      await b.store.kv(ns).append("events", "B"); // reads the head: takes seq 1
      throw lost();
    }
    return next();
  };
  t.deepEqual(await a.store.kv(ns).append("events", "A"), { seq: 0 });
  const entries = await collect(a.store.kv(ns).log("events"));
  t.deepEqual(
    entries.map((e) => [e.seq, e.value]),
    [
      [0, "A"],
      [1, "B"],
    ],
  );
});

test("append: lost answer then throttling on the resend: one entry at seq 0", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("log-lost-thr"));
  r.hook = lostThenThrottled("PutItemCommand", 3).hook;
  t.deepEqual(await kv.append("ev", { x: 1 }), { seq: 0 });
  t.deepEqual(await kv.append("ev", { x: 2 }), { seq: 1 });
  const entries = await collect(kv.log("ev"));
  t.deepEqual(
    entries.map((e) => e.value),
    [{ x: 1 }, { x: 2 }],
  );
});

test("concurrent appenders on three stores, every third answer lost: seqs 0..n-1, no gaps, each entry once, acknowledged seqs hold their entries", async (t) => {
  const ns = freshNs("log-many");
  const rigs = [rig(t), rig(t), rig(t)];
  for (const r of rigs) {
    let puts = 0;
    r.hook = async (name, _input, next) => {
      if (name === "PutItemCommand" && ++puts % 3 === 0) {
        await next();
        throw lost();
      }
      return next();
    };
  }
  const acks = new Map<string, number>();
  await Promise.all(
    rigs.map(async (r, i) => {
      const kv = r.store.kv(ns);
      for (let j = 0; j < 8; j++) {
        const value = `${i}-${j}`;
        const { seq } = await kv.append("ev", value);
        acks.set(value, seq);
      }
    }),
  );
  const entries = await collect(must(rigs[0]).store.kv(ns).log("ev"));
  t.deepEqual(
    entries.map((e) => e.seq),
    Array.from({ length: 24 }, (_, i) => i),
  );
  t.is(new Set(entries.map((e) => e.value)).size, 24, "no entry twice");
  for (const e of entries)
    t.is(acks.get(e.value as string), e.seq, `${String(e.value)} at its acked seq`);
});

test("append of a value the codec refuses fails before any request", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("log-refuse"));
  const error = await t.throwsAsync(kv.append("ev", { f: () => 1 }));
  t.true(isDynatomError(error), String(error));
  t.deepEqual(r.sent, []);
});

test("log from/limit: from past the end is empty, limit is exact", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("log-range"));
  for (let i = 0; i < 12; i++) await kv.append("ev", i);
  t.deepEqual(
    (await collect(kv.log("ev", { from: 9 }))).map((e) => e.value),
    [9, 10, 11],
  );
  t.deepEqual(
    (await collect(kv.log("ev", { from: 3, limit: 2 }))).map((e) => e.seq),
    [3, 4],
  );
  t.deepEqual(await collect(kv.log("ev", { from: 12 })), []);
});

// ---------------------------------------------------------------------------------------------
// A server that accepts and never answers

test("a server that accepts and never answers: set, get, append, listPage, getBlob and setBlob each end, none hangs", async (t) => {
  const server = await startSilentServer();
  t.teardown(() => server.close());
  const store = createStore({
    table,
    atoms: [],
    endpoint: server.endpoint,
    requestTimeoutMs: 200,
    retry: { baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 1500 },
  });
  t.teardown(() => store.close());
  const kv = store.kv("silent");
  const bounded = async (label: string, p: Promise<unknown>) => {
    const started = Date.now();
    const outcome = await Promise.race([
      p.then(
        () => "resolved",
        (e: unknown) => e,
      ),
      sleep(60_000).then(() => "hung"),
    ]);
    t.not(outcome, "hung", `${label} hangs`);
    t.not(outcome, "resolved", `${label} cannot succeed`);
    t.true(isDynatomError(outcome), `${label}: a typed error, got ${String(outcome)}`);
    const took = Date.now() - started;
    t.log(`${label}: ${took} ms`);
    // Not a timing test: a bound far above the deadline, that only a hang (or a cleanup under
    // another policy, minutes long) crosses on a loaded machine.
    t.true(took < 45_000, `${label} took ${took} ms with requestTimeoutMs 200 and deadlineMs 1500`);
  };
  await bounded("set", kv.set("k", 1));
  await bounded("get", kv.get("k"));
  await bounded("append", kv.append("log", 1));
  await bounded("listPage", kv.listPage());
  await bounded("getBlob", kv.getBlob("b"));
  await bounded("setBlob", kv.setBlob("b", new Uint8Array([1, 2, 3])));
});

// ---------------------------------------------------------------------------------------------
// Items expired but still present (DynamoDB keeps them for days)

test("expired but present: get/entry/exists/listPage/keys see it absent; put ifAbsent takes its place; ifVersion is kv.not-found; delete says false", async (t) => {
  const r = rig(t, { table: keep });
  const ns = freshNs("expired");
  const kv = r.store.kv(ns);
  await kv.set("live", 1);
  const { version } = await kv.set("gone", "old", { ttlSeconds: 6 });
  const entry = await kv.entry("gone");
  t.truthy(entry?.expiresAt);
  // Wait until the very millisecond of expiry.
  const at = entry?.expiresAt?.getTime() ?? 0;
  while (Date.now() < at) await sleep(Math.max(0, Math.min(50, at - Date.now())));
  t.is(await kv.get("gone"), undefined);
  t.is(await kv.entry("gone"), undefined);
  t.false(await kv.exists("gone"));
  t.deepEqual(
    (await kv.listPage()).keys.map((k) => k.key),
    ["live"],
  );
  t.deepEqual(await collect(kv.keys()), ["live"]);
  const notFound = await t.throwsAsync(kv.put("gone", "x", { ifVersion: version }));
  t.is(codeOf(notFound), "kv.not-found", String(notFound));
  const delFound = await t.throwsAsync(kv.delete("gone", { ifVersion: version }));
  t.is(codeOf(delFound), "kv.not-found", String(delFound));
  t.false(await kv.delete("gone"));
  const created = await kv.put("gone", "new", { ifAbsent: true });
  t.deepEqual(await kv.entry("gone"), { value: "new", version: created.version });
  t.deepEqual(
    (await kv.listPage()).keys.map((k) => k.key),
    ["gone", "live"],
  );
});

test("expired but present: a handle that read it live then put ifAbsent after expiry succeeds; updateIn starts from nothing", async (t) => {
  const r = rig(t, { table: keep });
  const ns = freshNs("expired-cached");
  const kv = r.store.kv(ns);
  await kv.set("a", { hits: 5 }, { ttlSeconds: 6 });
  await kv.set("b", { hits: 5 }, { ttlSeconds: 6 });
  const live = await kv.entry("a"); // the handle caches it live
  t.is(live?.version, 1);
  const at = Math.max(
    live?.expiresAt?.getTime() ?? 0,
    (await kv.entry("b"))?.expiresAt?.getTime() ?? 0,
  );
  while (Date.now() < at) await sleep(Math.max(1, Math.min(100, at - Date.now())));
  await t.notThrowsAsync(kv.put("a", { hits: 0 }, { ifAbsent: true }));
  const [old, next] = await kv.updateIn("b", ["hits"], (n: number = 0) => n + 1);
  t.is(old, undefined, "an expired value is not updated");
  t.is(next, 1);
  const entry = await kv.entry("b");
  t.deepEqual(entry?.value, { hits: 1 });
  t.is(entry?.expiresAt, undefined, "a new value from nothing does not inherit the old expiry");
});

test("listPage with many expired keys: limit 1 pages walk exactly the live keys in order", async (t) => {
  const r = rig(t, { table: keep });
  const ns = freshNs("expired-pages");
  const kv = r.store.kv(ns);
  const live = ["b", "e", "k", "q"];
  await kv.multiSet(
    Object.fromEntries(
      "abcdefghijklmnopqrst"
        .split("")
        .filter((c) => !live.includes(c))
        .map((c) => [c, c]),
    ),
    { ttlSeconds: 1 },
  );
  await kv.multiSet(Object.fromEntries(live.map((c) => [c, c])));
  await sleep(2100);
  for (const limit of [1, 2, 3, 4, 5]) {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await kv.listPage({ limit, ...(cursor === undefined ? {} : { cursor }) });
      pages++;
      t.true(page.keys.length <= limit);
      if (page.cursor !== undefined) t.is(page.keys.length, limit, "only the last page is short");
      seen.push(...page.keys.map((k) => k.key));
      cursor = page.cursor;
    } while (cursor !== undefined && pages < 50);
    t.deepEqual(seen, live, `limit ${limit}`);
  }
});

test("listPage: the page holding the last keys has no cursor (no empty page after it)", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("list-last"));
  await kv.multiSet({ a: 1, b: 2, c: 3, d: 4 });
  const first = await kv.listPage({ limit: 2 });
  t.deepEqual(
    first.keys.map((k) => k.key),
    ["a", "b"],
  );
  const second = await kv.listPage({ limit: 2, cursor: first.cursor as string });
  t.deepEqual(
    second.keys.map((k) => k.key),
    ["c", "d"],
  );
  t.is(
    second.cursor,
    undefined,
    "the last page says it is the last (cursor absent on the last page)",
  );
  const all = await kv.listPage({ limit: 4 });
  t.is(all.cursor, undefined, "a page holding every key has no cursor");
});

test("listPage: cursors forged or from another prefix are kv.invalid-option; limits out of range are refused", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("cursors"));
  await kv.multiSet({ "job-1": 1, "job-2": 2, "job-3": 3, "user-1": 4, "user-2": 5 });
  const users = await kv.listPage({ prefix: "user-", limit: 1 });
  t.truthy(users.cursor);
  const before = r.sent.length;
  for (const cursor of [
    users.cursor as string,
    "!!!",
    "",
    "a b",
    Buffer.from("job-1").toString("base64"),
    `${Buffer.from("job-1").toString("base64url")}=`,
    42 as unknown as string,
  ]) {
    const error = await t.throwsAsync(
      kv.listPage({ prefix: "job-", cursor }),
      undefined,
      JSON.stringify(cursor),
    );
    t.is(codeOf(error), "kv.invalid-option", `${JSON.stringify(cursor)}: ${String(error)}`);
  }
  for (const limit of [0, -1, 1001, 1.5, Number.NaN, "10" as unknown as number]) {
    const error = await t.throwsAsync(kv.listPage({ limit }));
    t.is(codeOf(error), "kv.invalid-option", `limit ${String(limit)}`);
  }
  t.is(r.sent.length, before, "refused before any request");
  // A forged but well-formed cursor of this prefix just starts after that key.
  const page = await kv.listPage({
    prefix: "job-",
    cursor: Buffer.from("job-1").toString("base64url"),
  });
  t.deepEqual(
    page.keys.map((k) => k.key),
    ["job-2", "job-3"],
  );
});

// ---------------------------------------------------------------------------------------------
// Names at their edges

test("keys and names at the size limits work for every operation; one byte over is kv.invalid-key", async (t) => {
  const r = rig(t);
  // Characters the composite key form doubles ("$", " ", "#"), at the namespace's limit.
  const ns = `${"$# ".repeat(85)}$`; // 256 bytes
  const kv = r.store.kv(ns);
  const key = `${"# $".repeat(233)}x`; // 700 bytes
  t.is(Buffer.byteLength(key), 700);
  t.deepEqual(await kv.set(key, 1), { version: 1 });
  t.is(await kv.get(key), 1);
  t.deepEqual(
    (await kv.listPage({ prefix: "# $" })).keys.map((k) => k.key),
    [key],
  );
  t.deepEqual(await kv.append(key, "e"), { seq: 0 });
  t.deepEqual(
    (await collect(kv.log(key))).map((e) => e.value),
    ["e"],
  );
  await kv.setBlob(key, new Uint8Array([1, 2, 3]));
  t.deepEqual(await kv.getBlob(key), new Uint8Array([1, 2, 3]));
  t.true(await kv.delete(key));
  const astral = "\u{1F600}".repeat(175); // 700 bytes in 350 UTF-16 units
  t.deepEqual(await kv.set(astral, 2), { version: 1 });
  const over = `${key}x`;
  const before = r.sent.length;
  for (const op of [
    () => kv.set(over, 1),
    () => kv.get(over),
    () => kv.append(over, 1),
    () => kv.setBlob(over, new Uint8Array([1])),
  ]) {
    const error = await t.throwsAsync(op());
    t.is(codeOf(error), "kv.invalid-key", String(error));
    t.is((error as { details?: { namespace?: string } }).details?.namespace, ns);
  }
  t.is(r.sent.length, before);
});

test("empty, non-string and lone-surrogate keys are kv.invalid-key before any request", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("badkeys"));
  const bad = ["", "\uD800", "a\uDC00b", 5, null, undefined, { toString: () => "x" }, ["a"]];
  for (const key of bad) {
    for (const op of [
      () => kv.set(key as string, 1),
      () => kv.get(key as string),
      () => kv.delete(key as string),
      () => kv.updateIn(key as string, ["a"], () => 1),
      ...(typeof key === "string" ? [() => kv.multiSet({ [key]: 1, ok: 2 })] : []),
    ]) {
      const error = await t.throwsAsync(op());
      t.is(codeOf(error), "kv.invalid-key", `${String(JSON.stringify(key))}: ${String(error)}`);
    }
  }
  t.deepEqual(r.sent, []);
});

// ---------------------------------------------------------------------------------------------
// Input refused before any request

test("a value the codec refuses fails set, put and multiSet before any request", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("codec"));
  for (const op of [
    () => kv.set("k", () => 1),
    () => kv.put("k", { f: () => 1 }, { ifAbsent: true }),
    () => kv.multiSet({ a: 1, b: Symbol("x") }),
  ]) {
    const error = await t.throwsAsync(op());
    t.true(isDynatomError(error), String(error));
  }
  t.deepEqual(r.sent, []);
});

test("multiSet and multiDelete of 101 keys are kv.too-many-keys and send nothing", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("many"));
  const entries = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
  const e1 = await t.throwsAsync(kv.multiSet(entries));
  t.is(codeOf(e1), "kv.too-many-keys");
  const e2 = await t.throwsAsync(kv.multiDelete(Object.keys(entries)));
  t.is(codeOf(e2), "kv.too-many-keys");
  t.deepEqual(r.sent, []);
  await kv.multiSet(Object.fromEntries(Object.entries(entries).slice(0, 100)));
  t.is((await collect(kv.keys())).length, 100);
});

test("multiDelete given a string (not an array) is refused and deletes nothing", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("mdel-string"));
  await kv.multiSet({ a: 1, b: 2, ab: 3 });
  let outcome: unknown = "resolved";
  try {
    await kv.multiDelete("ab" as unknown as string[]);
  } catch (error) {
    outcome = error;
  }
  t.deepEqual(await collect(kv.keys()), ["a", "ab", "b"], "keys a and b must not be deleted");
  t.true(isDynatomError(outcome), `a typed error, got ${String(outcome)}`);
});

test("multiSet given a Map (not a record) is refused rather than silently writing nothing", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("mset-map"));
  let outcome: unknown = "resolved";
  try {
    await kv.multiSet(new Map([["a", 1]]) as unknown as Record<string, unknown>);
  } catch (error) {
    outcome = error;
  }
  const written = await kv.get("a");
  t.true(
    written === 1 || isDynatomError(outcome),
    `multiSet(Map) resolved and wrote nothing (get("a") = ${String(written)})`,
  );
});

test("getIn with a path that is not an array is kv.invalid-option, not a walk over its characters", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("getin-path"));
  await kv.set("site", { t: { h: "teal" } });
  let outcome: unknown;
  try {
    outcome = await kv.getIn("site", "th" as unknown as string[]);
  } catch (error) {
    outcome = error;
  }
  t.is(codeOf(outcome), "kv.invalid-option", `getIn("site", "th") gave ${JSON.stringify(outcome)}`);
});

// ---------------------------------------------------------------------------------------------
// Paths

test("dissocIn of a field absent under an existing parent writes nothing and says false", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("dissoc-absent"));
  await kv.set("k", { a: { x: 1 }, n: 5 });
  t.false(await kv.dissocIn("k", ["a", "missing"]), "nothing was removed");
  t.false(await kv.dissocIn("k", ["n", "deeper"]), "a number has no fields");
  t.is((await kv.entry("k"))?.version, 1, "nothing was written");
});

test("dissocIn on arrays: an index removes that element; an index past the end writes nothing", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("dissoc-array"));
  await kv.set("k", { list: [10, 20, 30] });
  t.true(await kv.dissocIn("k", ["list", 1]));
  t.deepEqual(await kv.entry("k"), { value: { list: [10, 30] }, version: 2 });
  t.false(await kv.dissocIn("k", ["list", 7]), "nothing at index 7");
  t.is((await kv.entry("k"))?.version, 2, "nothing written");
});

test("dissocIn(['list', 'length']) on an array does not remove its first element", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("dissoc-length"));
  await kv.set("k", { list: [10, 20, 30] });
  let outcome: unknown;
  try {
    outcome = await kv.dissocIn("k", ["list", "length"]);
  } catch (error) {
    outcome = error;
  }
  t.deepEqual(
    await kv.get("k"),
    { list: [10, 20, 30] },
    `dissocIn answered ${String(outcome)}: element 0 must not be removed`,
  );
});

test("assocIn with a non-index step on an array is refused or kept, never acknowledged and dropped", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("assoc-array"));
  await kv.set("k", { list: [1, 2] });
  let error: unknown;
  try {
    await kv.assocIn("k", ["list", "color"], "teal");
  } catch (e) {
    error = e;
  }
  const stored = await kv.getIn("k", ["list", "color"]);
  t.true(
    isDynatomError(error) || stored === "teal",
    `assocIn resolved, but getIn(["list","color"]) is ${String(stored)}: the write was acknowledged and lost`,
  );
});

test("a value holding an own __proto__ field (JSON.parse'd input) can still be updated by path, and keeps that field", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("proto"));
  const input = JSON.parse('{"__proto__": {"admin": true}, "hits": 0}') as object;
  await kv.set("k", input);
  const back = (await kv.get("k")) as object;
  t.true(Object.hasOwn(back, "__proto__"), "set/get keep it as own data");
  t.is(Object.getPrototypeOf(back), Object.prototype);
  let outcome: unknown = "ok";
  try {
    await kv.updateIn("k", ["hits"], (n: number = 0) => n + 1);
  } catch (error) {
    outcome = error;
  }
  t.is(outcome, "ok", `updateIn(["hits"]) failed: ${String(outcome)}`);
  const after = (await kv.get("k")) as { hits?: number };
  t.is(after.hits, 1);
  t.true(Object.hasOwn(after, "__proto__"), "the own __proto__ field is kept");
  t.is(({} as { admin?: boolean }).admin, undefined, "Object.prototype is untouched");
});

test("numeric steps on Maps keep number and string keys apart", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("maps"));
  await kv.set(
    "k",
    new Map<unknown, unknown>([
      [1, "one"],
      ["1", "string one"],
    ]),
  );
  t.is(await kv.getIn("k", [1]), "one");
  t.is(await kv.getIn("k", ["1"]), "string one");
  await kv.updateIn("k", [2], () => "two");
  t.true(await kv.dissocIn("k", ["1"]));
  const value = (await kv.get("k")) as Map<unknown, unknown>;
  t.deepEqual(
    [...value.entries()],
    [
      [1, "one"],
      [2, "two"],
    ],
  );
});

test("an updateIn whose function returns a function fails alone and writes nothing", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("upd-fn"));
  await kv.set("k", { n: 1 });
  r.sent.length = 0;
  const error = await t.throwsAsync(kv.updateIn("k", ["n"], () => () => 2));
  t.true(isDynatomError(error), String(error));
  t.false(r.sent.includes("PutItemCommand"));
  t.deepEqual(await kv.entry("k"), { value: { n: 1 }, version: 1 });
});

test("combined updateIn from many kv instances on two stores: the exact count", async (t) => {
  const a = rig(t, { retry: { maxAttempts: 500, deadlineMs: 60_000 } });
  const b = rig(t, { retry: { maxAttempts: 500, deadlineMs: 60_000 } });
  const ns = freshNs("combined");
  await a.store.kv(ns).set("site", { hits: 0 }, { ttlSeconds: 3600 });
  const expiresAt = (await a.store.kv(ns).entry("site"))?.expiresAt;
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < 60; i++) {
    const store = i % 2 === 0 ? a.store : b.store;
    calls.push(store.kv(ns).updateIn("site", ["hits"], (n: number = 0) => n + 1));
  }
  await Promise.all(calls);
  const entry = await a.store.kv(ns).entry("site");
  t.deepEqual(entry?.value, { hits: 60 });
  t.deepEqual(entry?.expiresAt, expiresAt, "the key's expiry stays");
});

// ---------------------------------------------------------------------------------------------
// Blobs

async function* pieces(parts: Uint8Array[], failAfter?: number): AsyncGenerator<Uint8Array> {
  let i = 0;
  for (const part of parts) {
    if (failAfter !== undefined && i === failAfter) throw new Error("the source failed (injected)");
    i++;
    yield part;
  }
}

const bytesOf = (n: number, seed: number) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
};
const CHUNK = 384 * 1024;

test("a blob stream that throws midway changes nothing visible and leaves no chunks behind", async (t) => {
  const r = rig(t);
  const ns = freshNs("blob-fail");
  const kv = r.store.kv(ns);
  const old = bytesOf(CHUNK + 10, 1);
  await kv.setBlob("logo", old);
  const parts = Array.from({ length: 6 }, (_, i) => bytesOf(200 * 1024, i + 7));
  const error = await t.throwsAsync(kv.setBlob("logo", pieces(parts, 5)));
  t.regex(error?.message ?? "", /source failed/);
  t.deepEqual(await kv.getBlob("logo"), old);
  const chunks = await chunkItems(table, ns, "logo");
  t.is(chunks.length, 2, "only the old blob's two chunks remain");
});

test("a stream yielding a non-Uint8Array is a typed error; chunks written before it are removed", async (t) => {
  const r = rig(t);
  const ns = freshNs("blob-type");
  const kv = r.store.kv(ns);
  async function* bad() {
    yield bytesOf(CHUNK, 3); // one whole chunk goes out
    yield bytesOf(10, 4);
    yield "text" as unknown as Uint8Array;
  }
  const error = await t.throwsAsync(kv.setBlob("b", bad()));
  t.true(isDynatomError(error), String(error));
  t.is(await kv.getBlob("b"), undefined);
  t.is((await chunkItems(table, ns, "b")).length, 0);
});

test("setBlob of null or a string is a typed error", async (t) => {
  const r = rig(t);
  const kv = r.store.kv(freshNs("blob-null"));
  for (const input of [null, undefined, "abc", 42, [new Uint8Array([1])]]) {
    const error = await t.throwsAsync(kv.setBlob("b", input as unknown as Uint8Array));
    t.true(isDynatomError(error), `${JSON.stringify(input)}: ${String(error)}`);
  }
});

test("old chunks are removed after the switch; zero-byte blobs read back empty, from bytes or a stream", async (t) => {
  const r = rig(t);
  const ns = freshNs("blob-switch");
  const kv = r.store.kv(ns);
  const v1 = bytesOf(2 * CHUNK + 5, 9);
  const info1 = await kv.setBlob("x", v1);
  t.is(info1.size, v1.length);
  t.is((await chunkItems(table, ns, "x")).length, 3);
  const info2 = await kv.setBlob("x", new Uint8Array(0));
  t.is(info2.size, 0);
  t.is((await chunkItems(table, ns, "x")).length, 0, "the old generation's chunks are gone");
  t.deepEqual(await kv.getBlob("x"), new Uint8Array(0));
  const opened = await kv.openBlob("x");
  t.is(opened?.size, 0);
  t.deepEqual(await collect(must(opened).stream), []);
  await kv.setBlob("y", pieces([new Uint8Array(0), new Uint8Array(0)]));
  t.deepEqual(await kv.getBlob("y"), new Uint8Array(0));
  // A ReadableStream of Buffers (a Uint8Array subclass), cut across chunk boundaries.
  const v3 = bytesOf(CHUNK + 1000, 5);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < v3.length; at += 100_000)
        controller.enqueue(Buffer.from(v3.subarray(at, at + 100_000)));
      controller.close();
    },
  });
  await kv.setBlob("x", stream);
  t.deepEqual(await kv.getBlob("x"), v3);
  t.is((await chunkItems(table, ns, "x")).length, 2);
  t.true(await kv.deleteBlob("x"));
  t.is((await chunkItems(table, ns, "x")).length, 0);
  t.is(await kv.getBlob("x"), undefined);
  t.false(await kv.deleteBlob("x"));
});

test("a chunk deleted or altered is kv.corrupt-blob naming namespace and blob", async (t) => {
  const r = rig(t);
  const ns = freshNs("blob-corrupt");
  const kv = r.store.kv(ns);
  const data = bytesOf(2 * CHUNK + 7, 2);
  await kv.setBlob("a", data);
  await kv.setBlob("b", data);
  await kv.setBlob("c", data);
  const [chunkA] = (await chunkItems(table, ns, "a")).filter((i) =>
    i.sk?.S?.endsWith("#index_3400:2"),
  );
  await dynamo().client.send(
    new DeleteItemCommand({
      TableName: table,
      Key: { pk: must(chunkA?.pk), sk: must(chunkA?.sk) },
    }),
  );
  const [chunkB] = (await chunkItems(table, ns, "b")).filter((i) =>
    i.sk?.S?.endsWith("#index_3400:1"),
  );
  const altered = Uint8Array.from(chunkB?.bytes?.B as Uint8Array);
  altered[100] = (altered[100] ?? 0) ^ 0xff;
  await dynamo().client.send(
    new PutItemCommand({ TableName: table, Item: { ...must(chunkB), bytes: { B: altered } } }),
  );
  const [chunkC] = (await chunkItems(table, ns, "c")).filter((i) => i.sk?.S?.endsWith("#index_2"));
  await dynamo().client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        ...must(chunkC),
        bytes: { B: must(must(chunkC).bytes?.B).subarray(0, 100) },
      },
    }),
  );
  for (const name of ["a", "b", "c"]) {
    const error = await t.throwsAsync(kv.getBlob(name));
    t.is(codeOf(error), "kv.corrupt-blob", `${name}: ${String(error)}`);
    t.deepEqual((error as { details?: { namespace?: string; key?: string } }).details, {
      namespace: ns,
      key: name,
      reason: (error as unknown as { details: { reason: string } }).details.reason,
    });
  }
});

test("a blob replaced while a stream reads it: the reader gets the old one whole, or an error, never a mix; getBlob returns one whole", async (t) => {
  const r = rig(t);
  const ns = freshNs("blob-race");
  const kv = r.store.kv(ns);
  const v1 = bytesOf(3 * CHUNK, 11);
  const v2 = bytesOf(3 * CHUNK, 12);
  await kv.setBlob("x", v1);
  const gate = deferred();
  let held = false;
  r.hook = async (name, input, next) => {
    const sk = (input as { Key?: { sk?: { S?: string } } }).Key?.sk?.S ?? "";
    if (
      name === "GetItemCommand" &&
      sk.startsWith("$dynatom-kvchunk_1") &&
      !sk.endsWith("#index_2") &&
      !held
    ) {
      held = true;
      await gate.promise;
    }
    return next();
  };
  const blob = await kv.openBlob("x", { concurrency: 1 });
  const reading = collect(must(blob).stream).then(
    (parts) => ({ ok: true as const, parts }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  await sleep(100);
  await r.store.kv(ns).setBlob("x", v2);
  gate.resolve();
  const read = await reading;
  if (read.ok) {
    t.deepEqual(Buffer.concat(read.parts), Buffer.from(v1), "a whole stream is the old blob");
  } else {
    t.is(codeOf(read.error), "kv.blob-replaced", String(read.error));
  }
  t.deepEqual(await kv.getBlob("x"), v2);
});

test("getBlob while the blob is replaced mid-read returns one blob whole", async (t) => {
  const r = rig(t);
  const writer = rig(t);
  const ns = freshNs("blob-race2");
  const kv = r.store.kv(ns);
  const v1 = bytesOf(3 * CHUNK, 21);
  const v2 = bytesOf(2 * CHUNK + 3, 22);
  await kv.setBlob("x", v1);
  let chunkReads = 0;
  r.hook = async (name, input, next) => {
    const sk = (input as { Key?: { sk?: { S?: string } } }).Key?.sk?.S ?? "";
    if (name === "GetItemCommand" && sk.startsWith("$dynatom-kvchunk_1") && ++chunkReads === 2) {
      await writer.store.kv(ns).setBlob("x", v2);
    }
    return next();
  };
  const got = await kv.getBlob("x", { concurrency: 1 });
  t.deepEqual(got, v2);
});
