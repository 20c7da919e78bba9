// store.update / atom.update(): one UpdateItem and no read where it can, a swap where it needs the
// value, exactly once under lost answers (8 processes × 200 adds, 20% of answers lost after
// commit), index keys kept right, conditions typed and exact, bad input refused before anything
// is sent.
import { type AttributeValue, DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom, type InferAtom, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import fc from "fast-check";
import * as v from "valibot";
import { Counter } from "../helpers/atoms.js";
import { matchOperations, startFaultProxy } from "../helpers/fault-proxy.js";
import { checkCounterHistory, type Op } from "../helpers/linearizable.js";
import { runSwappers } from "../helpers/swappers.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

const Acct = defineAtom({
  name: "uacct",
  version: 1,
  schema: v.object({
    tenant: v.string(),
    id: v.string(),
    email: v.string(),
    score: v.number(),
    balance: v.bigint(),
    visits: v.number(),
    avatar: v.optional(v.string()),
    history: v.array(v.object({ at: v.date(), note: v.string() })),
    tags: v.set(v.string()),
    level: v.pipe(v.number(), v.maxValue(10)),
  }),
  key: { pk: ["tenant"], sk: ["id"] },
  indexes: { byScore: { pk: ["tenant"], sk: ["score"] } },
});
type AcctValue = InferAtom<typeof Acct>;

let table = "";
test.before(async () => {
  table = dynamo().tableName("update");
  await createStore({ table, atoms: [Acct, Counter], client: dynamo().client }).ensureTable({
    stream: false,
  });
});

/** A store on the table whose client counts the requests it sends, by command. */
function open(t: { teardown(fn: () => Promise<void>): void }) {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (input) => {
      sent.push(String(context.commandName).replace(/Command$/, ""));
      return next(input);
    },
    { step: "initialize" },
  );
  const store = createStore({ table, atoms: [Acct, Counter], client });
  t.teardown(async () => {
    await store.close();
    client.destroy();
  });
  return { store, sent, client };
}

function account(id: string, over: Partial<AcctValue> = {}): AcctValue {
  return {
    tenant: "t1",
    id,
    email: `${id}@x.io`,
    score: 1,
    balance: 0n,
    visits: 0,
    history: [
      { at: new Date(0), note: "a" },
      { at: new Date(1), note: "b" },
    ],
    tags: new Set(["a"]),
    level: 1,
    ...over,
  };
}

test("an update of plain fields is ONE UpdateItem once the store has seen the item, and returns the new value", async (t) => {
  const { store, sent } = open(t);
  const key = { tenant: "t1", id: "plain" };
  await store.putItems(Acct, [account("plain")]);
  sent.length = 0;
  const first = await store.update(Acct, key).add({ visits: 1, balance: 5n }).go();
  t.deepEqual(sent, ["GetItem", "UpdateItem"], "a cold update reads the bookkeeping only");
  t.is(first.visits, 1);
  t.is(first.balance, 5n);
  sent.length = 0;
  const next = await store
    .update(Acct, key)
    .add({ visits: 2 })
    .set({ email: "new@x.io", avatar: "p.png" })
    .append({ history: [{ at: new Date(2), note: "c" }] })
    .addToSet({ tags: new Set(["vip", "b"]) })
    .go();
  t.deepEqual(sent, ["UpdateItem"]);
  t.deepEqual(next, {
    ...account("plain"),
    visits: 3,
    balance: 5n,
    email: "new@x.io",
    avatar: "p.png",
    history: [...account("plain").history, { at: new Date(2), note: "c" }],
    tags: new Set(["a", "b", "vip"]),
  });
  sent.length = 0;
  const less = await store
    .update(Acct, key)
    .remove(["avatar"])
    .deleteFromSet({ tags: new Set(["a"]) })
    .go();
  t.deepEqual(sent, ["UpdateItem"]);
  t.false("avatar" in less);
  t.deepEqual(less.tags, new Set(["b", "vip"]));
  // What is stored reads back as the same value, through every read path.
  t.deepEqual(await store.atom(Acct, key).deref(), less);
  t.deepEqual(await store.findItems(Acct, [key]), [less]);
});

test("a handle's update learns the new version, so its next swap needs no read", async (t) => {
  const { store, sent } = open(t);
  const key = { tenant: "t1", id: "handle" };
  const acct = store.atom(Acct, key);
  await acct.reset(account("handle"));
  const version = acct.version ?? 0;
  sent.length = 0;
  const next = await acct.update().add({ visits: 1 }).go();
  t.deepEqual(sent, ["UpdateItem"]);
  t.is(acct.version, version + 1);
  sent.length = 0;
  await acct.swap((a) => ({ ...(a as AcctValue), visits: (a as AcctValue).visits + 1 }));
  t.deepEqual(sent, ["PutItem"]);
  t.is(next.visits, 1);
  // With a watch, the old value is read for it.
  const seen: [number, number][] = [];
  acct.watch("w", (_name, _atom, old, value) => seen.push([old?.visits ?? -1, value.visits]));
  await acct.update().add({ visits: 5 }).go();
  t.deepEqual(seen, [[2, 7]]);
});

test("an update of an indexed field moves the item in its index (as a swap)", async (t) => {
  const { store } = open(t);
  await store.putItems(Acct, [account("i1", { score: 5 }), account("i2", { score: 7 })]);
  await store.update(Acct, { tenant: "t1", id: "i1" }).add({ score: 10 }).go();
  await store.update(Acct, { tenant: "t1", id: "i2" }).set({ score: -1 }).go();
  const ids = (await store.query(Acct).byScore({ tenant: "t1" }).gte({ score: -1 }).go()).items
    .filter((a) => a.id === "i1" || a.id === "i2")
    .map((a) => [a.id, a.score]);
  t.deepEqual(ids, [
    ["i2", -1],
    ["i1", 15],
  ]);
});

test("absent items: update.not-found, or made by .upsert() from the key and the operations", async (t) => {
  const { store } = open(t);
  const error = await t.throwsAsync(store.update(Counter, { name: "nobody" }).add({ n: 1 }).go());
  t.true(isDynatomError(error, "update.not-found"), String(error));
  t.is(await store.atom(Counter, { name: "nobody" }).deref(), undefined, "nothing was written");
  t.deepEqual(await store.update(Counter, { name: "made" }).add({ n: 2 }).upsert().go(), {
    name: "made",
    n: 2,
  });
  t.deepEqual(await store.update(Counter, { name: "made" }).add({ n: 2 }).upsert().go(), {
    name: "made",
    n: 4,
  });
  // An upsert whose result the schema refuses writes nothing.
  const refused = await t.throwsAsync(
    store.update(Acct, { tenant: "t1", id: "half" }).set({ email: "x" }).upsert().go(),
  );
  t.true(isDynatomError(refused, "schema.invalid-value"), String(refused));
});

test("where: written only where the condition holds on the stored value, else update.condition-failed", async (t) => {
  const { store, sent } = open(t);
  const key = { tenant: "t1", id: "cond" };
  await store.putItems(Acct, [account("cond", { visits: 3 })]);
  const refused = await t.throwsAsync(
    store
      .update(Acct, key)
      .set({ email: "no@x.io" })
      .where((a, { gt }) => gt(a.visits, 3))
      .go(),
  );
  t.true(isDynatomError(refused, "update.condition-failed"), String(refused));
  t.is((await store.atom(Acct, key).deref())?.email, "cond@x.io");
  sent.length = 0;
  const done = await store
    .update(Acct, key)
    .add({ visits: -1 })
    .where((a, { and, gte, contains }) => and(gte(a.visits, 3), contains(a.tags, "a")))
    .go();
  t.deepEqual(sent, ["UpdateItem"], "a condition DynamoDB can test exactly needs no read");
  t.is(done.visits, 2);
  // Racing on the condition: 20 decrements guarded by visits > 0, from 10: exactly 10 apply.
  await store.update(Acct, key).set({ visits: 10 }).go();
  const results = await Promise.allSettled(
    Array.from({ length: 20 }, () =>
      store
        .update(Acct, key)
        .add({ visits: -1 })
        .where((a, { gt }) => gt(a.visits, 0))
        .go(),
    ),
  );
  t.is(results.filter((r) => r.status === "fulfilled").length, 10);
  t.true(
    results.every(
      (r) => r.status === "fulfilled" || isDynatomError(r.reason, "update.condition-failed"),
    ),
  );
  t.is((await store.atom(Acct, key).deref())?.visits, 0);
});

test("what DynamoDB cannot do alone runs as a swap, and the value stays exactly what dynatom writes", async (t) => {
  const { store, sent } = open(t);
  const key = { tenant: "t1", id: "slow" };
  await store.putItems(Acct, [account("slow", { balance: 10n ** 37n, history: [] })]);
  // A sum past 38 digits (stored as a string then), a rule on the field (maxValue), a first
  // element that needs a type note, a Set emptied.
  const next = await store
    .update(Acct, key)
    .add({ balance: 10n ** 39n })
    .go();
  t.is(next.balance, 10n ** 39n + 10n ** 37n);
  const bigger = await store.update(Acct, key).add({ balance: 1n }).go();
  t.is(bigger.balance, 10n ** 39n + 10n ** 37n + 1n);
  const refused = await t.throwsAsync(store.update(Acct, key).add({ level: 10 }).go());
  t.true(isDynatomError(refused, "schema.invalid-value"), String(refused));
  const first = await store
    .update(Acct, key)
    .append({ history: [{ at: new Date(5), note: "first" }] })
    .go();
  t.deepEqual(first.history, [{ at: new Date(5), note: "first" }]);
  const empty = await store
    .update(Acct, key)
    .deleteFromSet({ tags: new Set(["a"]) })
    .go();
  t.deepEqual(empty.tags, new Set());
  const again = await store
    .update(Acct, key)
    .addToSet({ tags: new Set(["z"]) })
    .go();
  t.deepEqual(again.tags, new Set(["z"]));
  t.deepEqual(await store.atom(Acct, key).deref(), again);
  t.true(sent.includes("PutItem"), "the swaps wrote whole items");
});

test("bad operations are refused with update.invalid before anything is sent", async (t) => {
  const { store, sent } = open(t);
  const update = () => store.update(Acct, { tenant: "t1", id: "bad" });
  const cases: [string, () => unknown][] = [
    ["unknown field", () => update().set({ nope: 1 } as never)],
    ["key field", () => update().set({ id: "x" } as never)],
    ["twice", () => update().set({ email: "a" }).set({ email: "b" })],
    ["add to a string", () => update().add({ email: 1 } as never)],
    ["add NaN", () => update().add({ visits: Number.NaN })],
    ["append a non-list", () => update().append({ history: 5 } as never)],
    ["addToSet a list", () => update().addToSet({ tags: ["a"] } as never)],
    ["remove a required field", () => update().remove(["email"] as never)],
  ];
  sent.length = 0;
  for (const [name, make] of cases) {
    const error = await t.throwsAsync(async () => {
      const built = make() as { go(): Promise<unknown> };
      await built.go();
    });
    t.true(
      isDynatomError(error, "update.invalid") || isDynatomError(error, "schema.invalid-value"),
      `${name}: ${String(error)}`,
    );
    t.regex(error?.message ?? "", /uacct/, name);
  }
  const none = await t.throwsAsync(update().go());
  t.true(isDynatomError(none, "update.invalid"), String(none));
  const wrongType = await t.throwsAsync(async () =>
    update()
      .set({ email: 5 } as never)
      .go(),
  );
  t.true(isDynatomError(wrongType, "schema.invalid-value"), String(wrongType));
  t.deepEqual(sent, [], "nothing was sent");
});

/** The value with its Set in one order: a Set of strings comes back in DynamoDB's (README). */
function sorted(value: AcctValue | undefined) {
  return value && { ...value, tags: [...value.tags].sort() };
}

test("property: any sequence of updates leaves what applying them to the value in memory gives", async (t) => {
  const { store } = open(t);
  let run = 0;
  const anyOp = fc.oneof(
    fc.record({ add: fc.record({ visits: fc.integer({ min: -5, max: 5 }) }) }),
    fc.record({ add: fc.record({ balance: fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }) }) }),
    fc.record({
      set: fc.record({ email: fc.string(), avatar: fc.string() }, { requiredKeys: [] }),
    }),
    fc.record({ remove: fc.constant(["avatar"] as const) }),
    fc.record({
      append: fc.array(fc.record({ at: fc.date({ noInvalidDate: true }), note: fc.string() }), {
        minLength: 1,
        maxLength: 2,
      }),
    }),
    fc.record({
      addToSet: fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 3 }),
    }),
    fc.record({ deleteFromSet: fc.uniqueArray(fc.constantFrom("a", "b", "x"), { minLength: 1 }) }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(anyOp, { minLength: 1, maxLength: 6 }), async (ops) => {
      const id = `p${run++}`;
      let model = account(id);
      await store.putItems(Acct, [model]);
      for (const op of ops) {
        const u = store.update(Acct, { tenant: "t1", id });
        let next: AcctValue;
        if ("add" in op) {
          const [field, delta] = Object.entries(op.add)[0] as ["visits" | "balance", never];
          next = await u.add({ [field]: delta }).go();
          model = { ...model, [field]: (model[field] as never) + delta };
        } else if ("set" in op) {
          if (Object.keys(op.set).length === 0) continue;
          next = await u.set(op.set).go();
          model = { ...model, ...op.set };
        } else if ("remove" in op) {
          next = await u.remove(["avatar"]).go();
          const { avatar: _, ...rest } = model;
          model = rest;
        } else if ("append" in op) {
          next = await u.append({ history: op.append }).go();
          model = { ...model, history: [...model.history, ...op.append] };
        } else if ("addToSet" in op) {
          next = await u.addToSet({ tags: new Set(op.addToSet) }).go();
          model = { ...model, tags: new Set([...model.tags, ...op.addToSet]) };
        } else {
          next = await u.deleteFromSet({ tags: new Set(op.deleteFromSet) }).go();
          model = {
            ...model,
            tags: new Set(
              [...model.tags].filter(
                (tag) => !(op.deleteFromSet as readonly string[]).includes(tag),
              ),
            ),
          };
        }
        t.deepEqual(sorted(next), sorted(model));
      }
      t.deepEqual(sorted(await store.atom(Acct, { tenant: "t1", id }).deref()), sorted(model));
    }),
    { numRuns: 40 },
  );
});

test("8 processes × 200 adds with 20% of answers lost after commit: the counter ends exact, linearizably", async (t) => {
  const processes = 8;
  const count = 200;
  const proxy = await startFaultProxy({
    target: dynamo().endpoint,
    dropRate: 0.2,
    seed: 5,
    match: matchOperations("UpdateItem", "PutItem"),
  });
  const name = "lossy-updates";
  // The counter exists: a lost answer to the write that creates an item can stay unknown.
  await createStore({ table, atoms: [Counter], client: dynamo().client })
    .atom(Counter, { name })
    .reset({ name, n: 0 });
  try {
    const results = await runSwappers(processes, {
      endpoint: proxy.endpoint,
      table,
      name,
      count,
      mode: "update",
      readEvery: 10,
      maxAttempts: 10_000,
    });
    const { dropped } = proxy.stats();
    t.true(dropped > 50, `the proxy must lose answers, or this test could not fail (${dropped})`);
    const ops = results.flatMap((r) => r.ops) as unknown as Op[];
    const adds = ops.filter((op) => op.kind === "add");
    const unknown = adds.filter((op) => op.ok === "unknown");
    const failed = adds.filter((op) => op.ok === false);
    const writes = results.reduce((sum, r) => sum + r.sent.put, 0);
    const final = (
      await createStore({ table, atoms: [Counter], client: dynamo().client })
        .atom(Counter, { name })
        .deref()
    )?.n;
    t.log(`${adds.length} adds in ${writes} writes; ${dropped} answers dropped; counter ${final}`);
    t.deepEqual(failed, [], "no add is reported failed");
    // Never lost, never twice: every add reported applied is in the counter, and of those whose
    // outcome could not be told (a lost answer on a state many writes old: README), none twice.
    const ok = adds.length - unknown.length;
    t.true(
      (final ?? 0) >= ok && (final ?? 0) <= ok + unknown.length,
      `counter ${final}, ${ok} applied`,
    );
    t.true(unknown.length <= adds.length / 100, `${unknown.length} unknown outcomes`);
    if (unknown.length === 0) t.is(final, processes * count);
    const verdict = checkCounterHistory(ops, 0, final ?? 0, { slack: 2 });
    t.true(verdict.linearizable, verdict.reason);
  } finally {
    await proxy.close();
  }
});

test("the stored item of an update is the one a swap writes: same attributes, bookkeeping included", async (t) => {
  const { store, client } = open(t);
  const key = { tenant: "t1", id: "same" };
  const acct = store.atom(Acct, key);
  await acct.reset(account("same"));
  await store.update(Acct, key).add({ visits: 1 }).set({ avatar: "x" }).go();
  const viaUpdate = (
    await client.send(new GetItemCommand({ TableName: table, Key: Acct.keyOf(key) }))
  ).Item as Record<string, AttributeValue>;
  await acct.reset({ ...account("same"), visits: 1, avatar: "x" });
  const viaReset = (
    await client.send(new GetItemCommand({ TableName: table, Key: Acct.keyOf(key) }))
  ).Item as Record<string, AttributeValue>;
  const strip = ({ _ver, _writes, ...rest }: Record<string, AttributeValue>) => rest;
  t.deepEqual(strip(viaUpdate), strip(viaReset));
  t.regex(viaUpdate._writes?.S ?? "", /^\.([^.]+\.){2,}$/, "the update's id joined the window");
});
