// Attacks on store.backfill: schemas that transform or were tightened, bad cursors, throwing
// migrations, deletes and writes racing a rewrite, items of an older release and blind items.
import { readFileSync } from "node:fs";
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, DynatomError, defineAtom, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { type Corpus, fromDynamoJson } from "../fixtures/corpus.js";
import { Account } from "../helpers/atoms.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

let table = "";
let n = 0;
const uniq = (label: string) => `${label}-${++n}`;

/** An atom whose `at` is given as an ISO string and stored/read as a Date (a type-changing pipe). */
const EventV1 = defineAtom({
  name: "event",
  version: 1,
  schema: v.object({
    g: v.string(),
    id: v.string(),
    at: v.pipe(
      v.string(),
      v.isoTimestamp(),
      v.transform((s) => new Date(s)),
    ),
  }),
  key: { pk: ["g"], sk: ["id"] },
});
/** The same, same version, with an index added since. */
const EventIndexed = defineAtom({
  name: "event",
  version: 1,
  schema: EventV1.schema,
  key: { pk: ["g"], sk: ["id"] },
  indexes: { byId: { pk: ["id"] } },
});

/** A note whose text had no length limit, then (same version) a refinement added. */
const Loose = defineAtom({
  name: "memo",
  version: 1,
  schema: v.object({ g: v.string(), id: v.string(), text: v.string() }),
  key: { pk: ["g"], sk: ["id"] },
});
const Tight = defineAtom({
  name: "memo",
  version: 1,
  schema: v.object({ g: v.string(), id: v.string(), text: v.pipe(v.string(), v.maxLength(3)) }),
  key: { pk: ["g"], sk: ["id"] },
});

const ItemV1 = defineAtom({
  name: "thing",
  version: 1,
  schema: v.object({ g: v.string(), id: v.string(), n: v.number() }),
  key: { pk: ["g"], sk: ["id"] },
});
/** v2: migration that throws on n === 13. */
const ItemV2 = defineAtom({
  name: "thing",
  version: 2,
  schema: v.object({ g: v.string(), id: v.string(), n: v.number(), twice: v.number() }),
  key: { pk: ["g"], sk: ["id"] },
  migrate: {
    1: (old) => {
      if (old.n === 13) throw new Error("unlucky");
      return { ...old, twice: Number(old.n) * 2 };
    },
  },
});

/** Account with one more index than the fixture items carry keys for. */
const AccountPlus = defineAtom({
  name: "account",
  version: 1,
  schema: Account.schema,
  key: { pk: ["tenant"], sk: ["id"] },
  indexes: {
    byEmail: { pk: ["email"] },
    byTenantCreated: { pk: ["tenant"], sk: ["createdAt"] },
    byScore: { pk: ["tenant"], sk: ["score"] },
    byId: { pk: ["id"] },
  },
});

const Plain = defineAtom({
  name: "plain",
  version: 1,
  schema: v.object({ g: v.string(), id: v.string(), n: v.number() }),
  key: { pk: ["g"], sk: ["id"] },
});
const PlainIndexed = defineAtom({
  name: "plain",
  version: 1,
  schema: Plain.schema,
  key: { pk: ["g"], sk: ["id"] },
  indexes: { byN: { pk: ["g"], sk: ["n"] } },
});

/** Writes values as an older definition did (its own store, closed after). */
async function seed(
  atom: typeof Plain | typeof ItemV1,
  values: readonly { g: string; id: string; n: number }[],
): Promise<void> {
  const old = createStore({ table, atoms: [atom], client: dynamo().client });
  await old.putItems(atom as typeof Plain, values);
  await old.close();
}

/** `count` rows of group `g`: ids `<prefix>00`, `<prefix>01`, …, with `n` their number. */
function numbered(g: string, prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    g,
    id: `${prefix}${String(i).padStart(2, "0")}`,
    n: i,
  }));
}

test.before(async () => {
  table = dynamo().tableName("attack2-backfill");
  const store = createStore({
    table,
    atoms: [EventIndexed, ItemV2, AccountPlus, PlainIndexed, Tight],
    client: dynamo().client,
  });
  await store.ensureTable({ stream: false });
  await store.close();
});

const raw = async (key: Record<string, unknown>) =>
  (
    await dynamo().client.send(
      new GetItemCommand({ TableName: table, Key: key as never, ConsistentRead: true }),
    )
  ).Item;

/** A client of its own with a hook run before each PutItem it sends. */
function hooked(onPut: (input: { Item?: Record<string, unknown> }) => Promise<void> | void) {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === "PutItemCommand") await onPut(args.input as never);
      return next(args);
    },
    { step: "initialize", name: "putHook" },
  );
  return client;
}

test.serial(
  "a type-changing transform: backfill of current items that need no rewrite",
  async (t) => {
    const g = uniq("ev");
    const store = createStore({ table, atoms: [EventIndexed], client: dynamo().client });
    for (const id of ["e1", "e2"]) {
      await store.atom(EventIndexed, { g, id }).reset({ g, id, at: "2026-01-02T03:04:05.000Z" });
    }
    // Every item is current: nothing to rewrite.
    const result = await store.backfill(EventIndexed).catch((err: unknown) => err);
    t.deepEqual(result, { scanned: 2, rewritten: 0 }, String(result));
    await store.close();
  },
);

test.serial("a type-changing transform: backfill adds an index added since", async (t) => {
  const g = uniq("ev");
  const old = createStore({ table, atoms: [EventV1], client: dynamo().client });
  for (const id of ["x1", "x2"]) {
    await old.atom(EventV1, { g, id }).reset({ g, id, at: "2026-01-02T03:04:05.000Z" });
  }
  await old.close();
  const store = createStore({ table, atoms: [EventIndexed], client: dynamo().client });
  const result = await store.backfill(EventIndexed).catch((err: unknown) => err);
  t.false(result instanceof Error, String(result));
  const found = await store.query(EventIndexed).byId({ id: "x1" }).go();
  t.is(found.items.filter((e) => e.g === g).length, 1, "x1 is in the new index");
  await store.close();
});

test.serial(
  "a refinement added since (same version): an item needing no rewrite never stops the backfill",
  async (t) => {
    const g = uniq("memo");
    const old = createStore({ table, atoms: [Loose], client: dynamo().client });
    await old.atom(Loose, { g, id: "m1" }).reset({ g, id: "m1", text: "longer than three" });
    await old.close();
    const store = createStore({ table, atoms: [Tight], client: dynamo().client });
    // deref reads it fine (reads check types, not refinements) ...
    t.is((await store.atom(Tight, { g, id: "m1" }).deref())?.text, "longer than three");
    // ... and it needs no rewrite (current version, no index), so backfill should skip it.
    const result = await store.backfill(Tight).catch((err: unknown) => err);
    t.false(result instanceof Error, String(result));
    await store.close();
  },
);

function cursorOf(body: unknown): string {
  return Buffer.from(JSON.stringify(body), "utf8").toString("base64url");
}

test.serial("made-up cursors are refused as batch.invalid-option", async (t) => {
  const store = createStore({ table, atoms: [PlainIndexed], client: dynamo().client });
  await store.putItems(PlainIndexed, [{ g: uniq("c"), id: "a", n: 1 }]);
  const bodies: unknown[] = [
    { atom: "plain", positions: [42] },
    { atom: "plain", positions: ["x"] },
    { atom: "plain", positions: [true] },
    { atom: "plain", positions: [{}] },
    { atom: "plain", positions: [{ pk: { S: "nope" } }] },
    { atom: "plain", positions: [{ pk: "x", sk: "y" }] },
    { atom: "plain", positions: [[1, 2]] },
    { atom: "plain", positions: Array.from({ length: 1_000_001 }, () => "done") },
  ];
  const got: string[] = [];
  for (const body of bodies) {
    const out = await store
      .backfill(PlainIndexed, { cursor: cursorOf(body) })
      .then((r) => `resolved ${JSON.stringify(r)}`)
      .catch((err: unknown) =>
        err instanceof DynatomError
          ? `${err.code}`
          : `${(err as Error)?.constructor?.name}: ${String((err as Error)?.message).slice(0, 120)}`,
      );
    got.push(`${JSON.stringify(body).slice(0, 60)} -> ${out}`);
  }
  t.log(got.join("\n"));
  t.true(
    got.every((line) => line.endsWith("-> batch.invalid-option")),
    got.join("\n"),
  );
  await store.close();
});

test.serial(
  "bad options: onProgress not a function is refused before anything is written",
  async (t) => {
    const g = uniq("p");
    const old = createStore({ table, atoms: [Plain], client: dynamo().client });
    await old.putItems(Plain, [{ g, id: "a", n: 1 }]);
    await old.close();
    let puts = 0;
    const client = hooked(() => {
      puts++;
    });
    const store = createStore({ table, atoms: [PlainIndexed], client });
    const err = await t.throwsAsync(store.backfill(PlainIndexed, { onProgress: "log" as never }));
    t.true(
      isDynatomError(err, "batch.invalid-option") && puts === 0,
      `${err?.constructor.name}: ${String(err)}; ${puts} items rewritten before it`,
    );
    const nullOptions = await store.backfill(PlainIndexed, null as never).catch((e: unknown) => e);
    t.true(
      isDynatomError(nullOptions, "batch.invalid-option") || !(nullOptions instanceof Error),
      `${(nullOptions as Error)?.constructor?.name}: ${String(nullOptions)}`,
    );
    await store.close();
    client.destroy();
  },
);

test.serial("a migration that throws: a typed error, no unhandled rejection", async (t) => {
  const g = uniq("thing");
  await seed(ItemV1, numbered(g, "i", 20));
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  const store = createStore({ table, atoms: [ItemV2], client: dynamo().client });
  const err = await t.throwsAsync(store.backfill(ItemV2, { concurrency: 20 }));
  t.true(isDynatomError(err, "schema.migration-failed"), String(err));
  await new Promise((resolve) => setTimeout(resolve, 1500));
  process.off("unhandledRejection", onUnhandled);
  t.deepEqual(unhandled, []);
  await store.close();
});

test.serial("an item deleted between the scan and its rewrite stays deleted", async (t) => {
  const g = uniq("del");
  const old = createStore({ table, atoms: [Plain], client: dynamo().client });
  await old.atom(Plain, { g, id: "d1" }).reset({ g, id: "d1", n: 1 });
  await old.atom(Plain, { g, id: "d2" }).reset({ g, id: "d2", n: 2 });
  await old.putItems(Plain, [{ g, id: "d3", n: 3 }]);
  await old.close();
  const raced = new Set<string>();
  const client = hooked(async (input) => {
    const item = input.Item as Record<string, { S?: string }> | undefined;
    const id = item?.id?.S;
    if (item?.g?.S !== g || id === undefined || raced.has(id)) return;
    raced.add(id);
    await dynamo().client.send(
      new DeleteItemCommand({
        TableName: table,
        Key: { pk: item.pk as never, sk: item.sk as never },
      }),
    );
  });
  const store = createStore({ table, atoms: [PlainIndexed], client });
  await store.backfill(PlainIndexed);
  t.deepEqual([...raced].sort(), ["d1", "d2", "d3"]);
  for (const id of ["d1", "d2", "d3"]) {
    t.is(await raw(PlainIndexed.keyOf({ g, id })), undefined, `${id} resurrected`);
  }
  await store.close();
  client.destroy();
});

test.serial(
  "an item deleted and written again (blind, by putItems) meanwhile keeps the new value",
  async (t) => {
    const g = uniq("recreate");
    const old = createStore({ table, atoms: [Plain], client: dynamo().client });
    await old.putItems(Plain, [{ g, id: "r1", n: 1 }]);
    await old.atom(Plain, { g, id: "r2" }).reset({ g, id: "r2", n: 1 });
    const raced = new Set<string>();
    const client = hooked(async (input) => {
      const item = input.Item as Record<string, { S?: string }> | undefined;
      const id = item?.id?.S;
      if (item?.g?.S !== g || id === undefined || raced.has(id)) return;
      raced.add(id);
      await old.deleteItems(Plain, [{ g, id }]);
      await old.putItems(Plain, [{ g, id, n: 99 }]);
    });
    const store = createStore({ table, atoms: [PlainIndexed], client });
    await store.backfill(PlainIndexed);
    for (const id of ["r1", "r2"]) {
      t.is((await store.atom(PlainIndexed, { g, id }).deref())?.n, 99, id);
    }
    await old.close();
    await store.close();
    client.destroy();
  },
);

test.serial("a swap landing between the scan and the rewrite is kept", async (t) => {
  const g = uniq("swap");
  const old = createStore({ table, atoms: [Plain], client: dynamo().client });
  await old.putItems(Plain, [{ g, id: "s1", n: 1 }]);
  await old.atom(Plain, { g, id: "s2" }).reset({ g, id: "s2", n: 1 });
  const raced = new Set<string>();
  const client = hooked(async (input) => {
    const item = input.Item as Record<string, { S?: string }> | undefined;
    const id = item?.id?.S;
    if (item?.g?.S !== g || id === undefined || raced.has(id)) return;
    raced.add(id);
    await old
      .atom(Plain, { g, id })
      .swap((p) => ({ ...(p as { g: string; id: string; n: number }), n: (p?.n ?? 0) + 100 }));
  });
  const store = createStore({ table, atoms: [PlainIndexed], client });
  const result = await store.backfill(PlainIndexed);
  t.log(result);
  for (const id of ["s1", "s2"]) {
    t.is((await store.atom(PlainIndexed, { g, id }).deref())?.n, 101, id);
    const found = await store.query(PlainIndexed).byN({ g }).eq({ n: 101 }).go();
    t.true(
      found.items.some((p) => p.id === id),
      `${id} in the index`,
    );
  }
  await old.close();
  await store.close();
  client.destroy();
});

test.serial(
  "items of an older release (write ids in a list) are rewritten and indexed",
  async (t) => {
    const corpus = JSON.parse(
      readFileSync(new URL("../fixtures/atom-items.json", import.meta.url), "utf8"),
    ) as Corpus;
    for (const [name, json] of Object.entries(corpus)) {
      if (!name.startsWith("account-")) continue;
      await dynamo().client.send(
        new PutItemCommand({ TableName: table, Item: fromDynamoJson(json) }),
      );
    }
    let conflictsSeen = 0;
    let stolen = false;
    // A stale handle from an old release state writes during the backfill: must not be lost.
    const other = createStore({ table, atoms: [Account], client: dynamo().client });
    const client = hooked(async (input) => {
      const it = input.Item as Record<string, { S?: string }> | undefined;
      if (it?.tenant?.S !== "list-t" || it?.id?.S !== "a2" || stolen) return;
      stolen = true;
      await other.atom(Account, { tenant: "list-t", id: "a2" }).swap((a) => ({
        ...(a as NonNullable<typeof a>),
        score: (a?.score ?? 0) + 1000,
      }));
      conflictsSeen++;
    });
    const store = createStore({ table, atoms: [AccountPlus], client });
    const before = await store.atom(AccountPlus, { tenant: "list-t", id: "a2" }).deref();
    const result = await store.backfill(AccountPlus);
    t.log(result, conflictsSeen);
    for (const id of ["a1", "a2", "a3"]) {
      const found = await store.query(AccountPlus).byId({ id }).go();
      t.is(found.items.filter((a) => a.tenant === "list-t").length, 1, `${id} indexed`);
    }
    const after = await store.atom(AccountPlus, { tenant: "list-t", id: "a2" }).deref();
    t.is(after?.score, (before?.score ?? 0) + 1000, "the concurrent swap is kept");
    await other.close();
    await store.close();
    client.destroy();
  },
);

test.serial("a backfill twice, resumed from every cursor, never loops and ends", async (t) => {
  const g = uniq("many");
  await seed(Plain, numbered(g, "m", 40));
  const store = createStore({ table, atoms: [PlainIndexed], client: dynamo().client });
  const cursors: string[] = [];
  await store.backfill(PlainIndexed, {
    segments: 3,
    limit: 2,
    onProgress: (p) => {
      if (p.cursor !== undefined) cursors.push(p.cursor);
    },
  });
  // Every cursor resumes and ends, rewriting nothing more.
  for (const cursor of cursors.slice(0, 5)) {
    const r = await store.backfill(PlainIndexed, { cursor, limit: 5 });
    t.is(r.rewritten, 0);
  }
  const all = await store.query(PlainIndexed).byN({ g }).count();
  t.is(all, 40);
  await store.close();
});

test.serial("a cursor whose key was altered is refused, not silently skipping items", async (t) => {
  const g = uniq("alt");
  await seed(Plain, numbered(g, "z", 12));
  const store = createStore({ table, atoms: [PlainIndexed], client: dynamo().client });
  // A key no item has, in the form a cursor holds: the scan would resume after it.
  const forged = cursorOf({
    atom: "plain",
    positions: [{ pk: { S: "$dynatom#g_zzzz" }, sk: { S: "$plain_1#id_zzz" } }],
  });
  const out = await store.backfill(PlainIndexed, { cursor: forged }).catch((err: unknown) => err);
  t.log(out);
  t.true(isDynatomError(out, "batch.invalid-option"), `accepted: ${JSON.stringify(out)}`);
  await store.close();
});

const CounterIdx = defineAtom({
  name: "counter",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number() }),
  key: ["name"],
  indexes: { byN: { pk: ["name"], sk: ["n"] } },
});
const CounterOld = defineAtom({
  name: "counter",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number() }),
  key: ["name"],
});

test.serial(
  "counter items of an older release (list write ids, one blind): backfilled, then a stale handle conflicts",
  async (t) => {
    const corpus = JSON.parse(
      readFileSync(new URL("../fixtures/atom-items.json", import.meta.url), "utf8"),
    ) as Corpus;
    for (const [name, json] of Object.entries(corpus)) {
      if (!name.startsWith("counter-")) continue;
      await dynamo().client.send(
        new PutItemCommand({ TableName: table, Item: fromDynamoJson(json) }),
      );
    }
    // Handles that read the old-release state before the backfill.
    const oldStore = createStore({ table, atoms: [CounterOld], client: dynamo().client });
    const names = ["list-blind", "list-few", "list-hot"];
    const handles = names.map((name) => oldStore.atom(CounterOld, { name }));
    const before = await Promise.all(handles.map((h) => h.deref()));
    const store = createStore({ table, atoms: [CounterIdx], client: dynamo().client });
    await store.backfill(CounterIdx);
    for (const [i, name] of names.entries()) {
      const found = await store.query(CounterIdx).byN({ name }).go();
      t.deepEqual(found.items, [before[i]], `${name} indexed with its value`);
      // The stale handle's swap must see the backfilled state, not write over it blindly.
      const seen: number[] = [];
      await handles[i]?.swap((c) => {
        const current = c as NonNullable<typeof c>;
        seen.push(current.n);
        return { ...current, n: current.n + 1 };
      });
      t.is(seen.length, 2, `${name}: the stale swap conflicted once and ran again`);
      t.is((await store.atom(CounterIdx, { name }).deref())?.n, (before[i]?.n ?? 0) + 1);
    }
    await oldStore.close();
    await store.close();
  },
);
