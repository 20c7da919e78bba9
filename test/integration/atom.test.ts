import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import {
  AtomDestroyedError,
  createStore,
  defineAtom,
  EncodingError,
  ItemTooLargeError,
  isDynatomError,
  SwapConflictError,
  ValidationError,
} from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { Account, Counter } from "../helpers/atoms.js";
import { recordRequests } from "../helpers/requests.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

const Doc = defineAtom({
  name: "doc",
  version: 1,
  schema: v.object({
    id: v.string(),
    title: v.pipe(v.string(), v.maxLength(20)),
    body: v.string(),
    meta: v.unknown(),
    prefs: v.object({ theme: v.string(), size: v.optional(v.number()) }),
    counts: v.map(v.string(), v.number()),
  }),
  key: ["id"],
});

let table = "";
test.before(async () => {
  table = dynamo().tableName("atoms");
  const store = createStore({ table, atoms: [Counter, Doc, Account], client: dynamo().client });
  await store.ensureTable({ stream: false });
});

let n = 0;
/** A store on its own client, with every request it sends recorded. */
function open(retry?: { maxAttempts?: number; deadlineMs?: number }) {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  const requests = recordRequests(client);
  const store = createStore({
    table,
    atoms: [Counter, Doc, Account],
    client,
    ...(retry ? { retry } : {}),
  });
  return { client, requests, store, name: `c${++n}` };
}

const inc = (c: { name: string; n: number }) => ({ ...c, n: c.n + 1 });

/** A Doc value with this id and title. */
const docOf = (id: string, title: string) => ({
  id,
  title,
  body: "",
  meta: 1 as unknown,
  prefs: { theme: "light" } as { theme: string; size?: number },
  counts: new Map<string, number>(),
});

test("a warm uncontended swap is one request, a cold one two", async (t) => {
  const { store, requests, name } = open();
  const counter = store.atom(Counter, { name }, { init: { name, n: 0 } });
  await counter.swap(inc);
  t.deepEqual(requests.sent, ["GetItemCommand", "PutItemCommand"], "cold: read, then write");
  requests.clear();
  for (let i = 0; i < 5; i++) await counter.swap(inc);
  t.deepEqual(requests.sent, Array(5).fill("PutItemCommand"), "warm: one write per swap");
  t.deepEqual(await counter.deref(), { name, n: 6 });
  t.is(counter.version, 6);
});

test("a conflict refreshes from the failed write's ALL_OLD item, with no GetItem", async (t) => {
  const a = open();
  const b = open();
  const name = a.name;
  const mine = a.store.atom(Counter, { name }, { init: { name, n: 0 } });
  const theirs = b.store.atom(Counter, { name }, { init: { name, n: 0 } });
  await mine.swap(inc);
  await theirs.swap((c) => ({ ...c, n: c.n + 10 }));
  a.requests.clear();
  t.deepEqual(await mine.swap(inc), { name, n: 12 });
  t.deepEqual(a.requests.sent, ["PutItemCommand", "PutItemCommand"]);
  t.is(mine.version, 3);
});

test("a conflict storm with a small budget gives SwapConflictError and writes nothing", async (t) => {
  const name = `storm${n++}`;
  const handles = Array.from({ length: 8 }, () =>
    open({ maxAttempts: 1 }).store.atom(Counter, { name }, { init: { name, n: 0 } }),
  );
  await handles[0]?.reset({ name, n: 100 });
  await Promise.all(handles.map((h) => h.deref()));
  // All eight handles have seen version 1; only one write conditioned on it can apply.
  const results = await Promise.allSettled(handles.map((h) => h.swap(inc)));
  const failed = results.filter((r) => r.status === "rejected");
  t.is(failed.length, 7);
  for (const f of failed) {
    const reason = (f as PromiseRejectedResult).reason;
    t.true(reason instanceof SwapConflictError);
    t.is((reason as SwapConflictError).details.attempts, 1);
  }
  t.deepEqual(await handles[0]?.deref(), { name, n: 101 });
});

test("invalid or unencodable values are refused before any request", async (t) => {
  const { store, requests, name } = open();
  const doc = store.atom(Doc, { id: name });
  const good = {
    id: name,
    title: "hello",
    body: "",
    meta: null,
    prefs: { theme: "dark" },
    counts: new Map(),
  };

  const cold = await t.throwsAsync(doc.reset({ ...good, title: "x".repeat(21) }));
  t.true(cold instanceof ValidationError);
  t.deepEqual(requests.sent, [], "a cold reset validates before it reads");

  await doc.reset(good);
  requests.clear();
  const invalid = await t.throwsAsync(doc.swap((d) => ({ ...(d ?? good), title: "y".repeat(21) })));
  t.true(invalid instanceof ValidationError);
  t.regex(invalid?.message ?? "", /Atom "doc": .*title/);
  const fn = await t.throwsAsync(doc.swap((d) => ({ ...(d ?? good), meta: { onChange() {} } })));
  t.true(fn instanceof EncodingError);
  t.regex(fn?.message ?? "", /meta\.onChange/);
  const big = await t.throwsAsync(doc.swap((d) => ({ ...(d ?? good), body: "b".repeat(410_000) })));
  t.true(big instanceof ItemTooLargeError);
  // Each is refused on the stored value: a warm handle reads it first, and writes nothing.
  t.deepEqual(requests.sent, Array(3).fill("GetItemCommand"), "something was written");
  t.deepEqual(await doc.deref(), good);
});

test("watches fire once per successful change made here, with old and new, never on failure", async (t) => {
  const { store, name } = open();
  const other = open();
  const counter = store.atom(Counter, { name }, { init: { name, n: 0 } });
  const seen: [string, number, number][] = [];
  counter.watch("log", (key, atom, old, next) => {
    t.is(atom, counter);
    seen.push([key, old.n, next.n]);
  });
  await counter.swap(inc);
  await counter.reset({ name, n: 5 });
  t.false(await counter.compareAndSet({ name, n: 4 }, { name, n: 9 }));
  t.true(await counter.compareAndSet({ name, n: 5 }, { name, n: 6 }));
  await other.store.atom(Counter, { name }).swap((c) => inc(c ?? { name, n: 0 }));
  await t.throwsAsync(
    counter.swap(() => ({ name, n: Number.NaN })),
    { instanceOf: ValidationError },
  );
  t.deepEqual(seen, [
    ["log", 0, 1],
    ["log", 1, 5],
    ["log", 5, 6],
  ]);
  counter.unwatch("log");
  await counter.swap(inc);
  t.is(seen.length, 3);
  counter.watch("boom", () => {
    throw new Error("watcher bug");
  });
  const err = await t.throwsAsync(counter.swap(inc));
  t.true(isDynatomError(err, "atom.watch-failed"));
  t.regex(err?.message ?? "", /the change was applied \(version \d+\)/);
  t.deepEqual(await counter.deref(), { name, n: 9 });
});

test("compareAndSet compares structurally and follows the current value on conflict", async (t) => {
  const a = open();
  const b = open();
  const id = a.name;
  const start = {
    id,
    title: "t",
    body: "",
    meta: { tags: new Set(["x"]) },
    prefs: { theme: "a" },
    counts: new Map([["k", 1]]),
  };
  const mine = a.store.atom(Doc, { id });
  await mine.reset(start);
  const copy = {
    ...start,
    meta: { tags: new Set(["x"]) },
    counts: new Map([["k", 1]]),
    prefs: { theme: "a" },
  };
  t.true(await mine.compareAndSet(copy, { ...start, title: "u" }));
  await b.store.atom(Doc, { id }).reset({ ...start, title: "v" });
  t.false(await mine.compareAndSet({ ...start, title: "u" }, { ...start, title: "w" }));
  t.is((await mine.deref())?.title, "v");
  // A stale cache must not make it answer false: the stored value is what counts.
  await b.store.atom(Doc, { id }).reset({ ...start, title: "x" });
  t.true(await mine.compareAndSet({ ...start, title: "x" }, { ...start, title: "y" }));
  t.is((await b.store.atom(Doc, { id }).deref())?.title, "y");
});

test("swapVals and resetVals return old and new; swapIn updates one typed path", async (t) => {
  const { store, name } = open();
  const doc = store.atom(Doc, { id: name });
  const first = { ...docOf(name, "a"), counts: new Map([["x", 1]]) };
  t.deepEqual(await doc.resetVals(first), [undefined, first]);
  const [old, next] = await doc.swapVals((d) => ({ ...(d ?? first), title: "b" }));
  t.is(old?.title, "a");
  t.is(next.title, "b");
  await doc.swapIn(["prefs", "theme"], (theme) => `${theme}-dark`);
  await doc.swapIn(["counts", "x"], (count) => (count ?? 0) + 41);
  await doc.swapIn(["counts", "y"], (count) => (count ?? 0) + 1);
  const now = await doc.deref();
  t.is(now?.prefs.theme, "light-dark");
  t.deepEqual(
    now?.counts,
    new Map([
      ["x", 42],
      ["y", 1],
    ]),
  );
  t.is(first.prefs.theme, "light", "the old value is not mutated");
});

test("init is used only while the item is absent, and never written by itself", async (t) => {
  const { store, client, name } = open();
  const counter = store.atom(Counter, { name }, { init: { name, n: 7 } });
  t.deepEqual(await counter.deref(), { name, n: 7 });
  const raw = await client.send(
    new GetItemCommand({ TableName: table, Key: Counter.keyOf({ name }), ConsistentRead: true }),
  );
  t.is(raw.Item, undefined);
  t.deepEqual(await counter.swap(inc), { name, n: 8 });
  t.deepEqual(await store.atom(Counter, { name }, { init: { name, n: 0 } }).deref(), {
    name,
    n: 8,
  });
});

test("destroy deletes the item; later mutations through the handle throw", async (t) => {
  const { store, name } = open();
  const counter = store.atom(Counter, { name });
  await counter.reset({ name, n: 1 });
  await counter.destroy();
  t.is(await counter.deref(), undefined);
  await t.throwsAsync(
    counter.swap(() => ({ name, n: 2 })),
    { instanceOf: AtomDestroyedError },
  );
  await t.throwsAsync(counter.reset({ name, n: 2 }), { instanceOf: AtomDestroyedError });
  await t.throwsAsync(counter.compareAndSet(undefined, { name, n: 2 }), {
    instanceOf: AtomDestroyedError,
  });
  // A fresh handle starts over, from version 1.
  const again = store.atom(Counter, { name });
  await again.reset({ name, n: 3 });
  t.is(again.version, 1);
});

test("a stale handle never overwrites an item deleted and rewritten up to the same version", async (t) => {
  const a = open();
  const b = open();
  const name = a.name;
  const stale = a.store.atom(Counter, { name });
  await stale.reset({ name, n: 1 });
  const other = b.store.atom(Counter, { name });
  await other.destroy();
  await b.store.atom(Counter, { name }).reset({ name, n: 50 });
  // Both incarnations are at version 1, but the stale handle's last write id is gone: its write
  // fails, and the swap applies to the current value instead of writing n = 2 over it.
  t.deepEqual(await stale.swap((c) => inc(c ?? { name, n: 0 })), { name, n: 51 });
});

test("a value whose key fields name another atom is refused, and nothing is written", async (t) => {
  const { store, name } = open();
  const other = `${name}-other`;
  await store.atom(Counter, { name: other }).reset({ name: other, n: 1000 });
  const mine = store.atom(Counter, { name }, { init: { name, n: 0 } });
  const err = await t.throwsAsync(mine.reset({ name: other, n: 0 }), {
    instanceOf: ValidationError,
  });
  t.regex(err.message, /an atom's key never changes/);
  await t.throwsAsync(
    mine.swap((c) => ({ ...c, name: other })),
    { instanceOf: ValidationError },
  );
  t.deepEqual(await store.atom(Counter, { name: other }).deref(), { name: other, n: 1000 });
  await t.throwsAsync(
    store.transact((tx) => [tx.swap(mine, (c) => ({ ...c, name: other }))]),
    {
      instanceOf: ValidationError,
    },
  );
  t.deepEqual(await store.atom(Counter, { name: other }).deref(), { name: other, n: 1000 });
});

test("every watch runs when one throws; the call says which threw", async (t) => {
  const { store, name } = open();
  const hits = store.atom(Counter, { name }, { init: { name, n: 0 } });
  const seen: string[] = [];
  hits.watch("first", () => {
    seen.push("first");
    throw new Error("audit log is down");
  });
  hits.watch("second", (_name, _atom, old, next) => seen.push(`second ${old.n}->${next.n}`));
  const err = await t.throwsAsync(hits.swap((c) => ({ ...c, n: c.n + 1 })));
  t.true(isDynatomError(err, "atom.watch-failed"), String(err));
  t.regex(err?.message ?? "", /"first"/);
  t.deepEqual(seen, ["first", "second 0->1"]);
  t.is((await hits.deref()).n, 1);
});

test("a second destroy() deletes nothing, not even an item made again since", async (t) => {
  const { store, name } = open();
  const mine = store.atom(Counter, { name });
  await mine.reset({ name, n: 1 });
  await mine.destroy();
  const theirs = store.atom(Counter, { name });
  await theirs.reset({ name, n: 2 });
  await mine.destroy();
  t.deepEqual(await theirs.deref(), { name, n: 2 });
});

test("a swap whose function throws on a stale cached value reads the stored one and asks again", async (t) => {
  const { store, name } = open();
  const mine = store.atom(Counter, { name }, { init: { name, n: 0 } });
  await mine.reset({ name, n: 1 });
  await store.atom(Counter, { name }).reset({ name, n: 5 });
  const next = await mine.swap((c) => {
    if (c.n < 3) throw new Error("too low to raise");
    return { ...c, n: c.n + 1 };
  });
  t.is(next.n, 6);
});

test("a swap whose value fails validation only on a stale cached value reads the stored one", async (t) => {
  const { store, name } = open();
  const first = docOf(name, "short");
  const mine = store.atom(Doc, { id: name }, { init: first });
  await mine.reset(first);
  await store.atom(Doc, { id: name }).reset({ ...first, title: "x".repeat(15) });
  const next = await mine.swap((d) => ({
    ...d,
    title: d.title.length > 10 ? d.title.slice(0, 10) : `${d.title}-too-long-for-twenty`,
  }));
  t.is(next.title, "x".repeat(10));
});

test("a lost answer, then a delete and a re-create: the swap is not applied twice", async (t) => {
  const { name } = open();
  // The SDK's own retries are off: this test decides what each attempt sees.
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  const other = createStore({ table, atoms: [Counter], client: dynamo().client });
  let lost = false;
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      if (!lost && (args.input as { Item?: unknown }).Item !== undefined) {
        lost = true;
        // Another process sees our write, deletes the item and makes it again.
        const theirs = other.atom(Counter, { name });
        t.deepEqual(await theirs.deref(), { name, n: 1 });
        await theirs.destroy();
        await other.atom(Counter, { name }).reset({ name, n: 1 });
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      }
      return result;
    },
    { step: "finalizeRequest", name: "loseFirstWriteAnswer" },
  );
  const store = createStore({ table, atoms: [Counter], client });
  const mine = store.atom(Counter, { name }, { init: { name, n: 0 } });
  const err = await t.throwsAsync(mine.swap((c) => ({ ...c, n: c.n + 1 })));
  t.true(isDynatomError(err, "atom.outcome-unknown"), String(err));
  t.deepEqual(await other.atom(Counter, { name }).deref(), { name, n: 1 }, "applied twice");
  client.destroy();
});

test("a lost answer hidden behind the SDK's throttled retries is not applied twice", async (t) => {
  const { name } = open();
  // The store's client keeps the SDK's retries (3 attempts): they are what hides the loss.
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 3 });
  const other = createStore({ table, atoms: [Counter], client: dynamo().client });
  const theirs = other.atom(Counter, { name }, { init: { name, n: 0 } });
  await theirs.reset({ name, n: 0 });
  let attempt = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      if ((args.input as { Item?: unknown }).Item === undefined) return next(args);
      attempt++;
      if (attempt === 1) {
        await next(args); // commits
        // 40 other swaps land past the 16 ids the item keeps, while the SDK retries.
        for (let i = 0; i < 40; i++) await theirs.swap((c) => ({ ...c, n: c.n + 1 }));
        throw Object.assign(new Error("We encountered an internal error"), {
          name: "InternalServerError",
          $fault: "server",
          $metadata: { httpStatusCode: 500 },
        });
      }
      if (attempt <= 3) {
        throw Object.assign(new Error("Rate exceeded"), {
          name: "ThrottlingException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    { step: "deserialize", name: "commitThenThrottle", priority: "low" },
  );
  const store = createStore({ table, atoms: [Counter], client });
  const mine = store.atom(Counter, { name }, { init: { name, n: 0 } });
  await mine.deref();
  const err = await t.throwsAsync(mine.swap((c) => ({ ...c, n: c.n + 1 })));
  t.true(isDynatomError(err, "atom.outcome-unknown"), String(err));
  t.is((await theirs.deref()).n, 41, "41 operations, each applied once");
  client.destroy();
});

test("a throttled or lost read is read again, not a failed swap", async (t) => {
  const { name } = open();
  const client = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  let reads = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      if ((args.input as { ConsistentRead?: boolean }).ConsistentRead !== true) return next(args);
      reads++;
      if (reads === 1) {
        throw Object.assign(new Error("Rate exceeded"), {
          name: "ThrottlingException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
        });
      }
      if (reads === 2) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      return next(args);
    },
    { step: "finalizeRequest", name: "throttleReads" },
  );
  const store = createStore({ table, atoms: [Counter], client, retry: { baseDelayMs: 1 } });
  const hits = store.atom(Counter, { name }, { init: { name, n: 0 } });
  t.deepEqual(await hits.swap((c) => ({ ...c, n: c.n + 1 })), { name, n: 1 });
  t.is(reads, 3);
  client.destroy();
});

test("a read that fails before it is sent (no credentials) is not read again", async (t) => {
  let asked = 0;
  const client = new DynamoDBClient({
    ...localClientConfig(dynamo().endpoint),
    credentials: async () => {
      asked++;
      throw Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      });
    },
  });
  const store = createStore({ table, atoms: [Counter], client });
  const err = await t.throwsAsync(store.atom(Counter, { name: "no-credentials" }).deref());
  t.true(isDynatomError(err, "store.request-failed"), String(err));
  t.true(isDynatomError(err) && !err.retryable);
  t.true(asked <= 4, `the credentials were asked for ${asked} times`);
  client.destroy();
});

test("concurrent calls on one handle never set its version back", async (t) => {
  const { name } = open();
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  let holdRead: (() => void) | undefined;
  let readHeld: Promise<void> | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      if (holdRead === undefined && (args.input as { ConsistentRead?: boolean }).ConsistentRead) {
        // The answer of this read (the old state) arrives only after a swap has landed.
        readHeld = new Promise((resolve) => {
          holdRead = resolve;
        });
        await readHeld;
      }
      return result;
    },
    { step: "deserialize", name: "holdFirstRead" },
  );
  const store = createStore({ table, atoms: [Counter], client });
  await open().store.atom(Counter, { name }).reset({ name, n: 1 });
  const handle = store.atom(Counter, { name }, { init: { name, n: 0 } });
  const reading = handle.deref();
  while (holdRead === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
  // The handle has seen nothing yet, so this swap reads too; that read is not held.
  await handle.swap((c) => ({ ...c, n: c.n + 1 }));
  const after = handle.version;
  holdRead();
  t.deepEqual(await reading, { name, n: 1 });
  t.is(handle.version, after, "the late read set the handle's version back");
  client.destroy();
});
