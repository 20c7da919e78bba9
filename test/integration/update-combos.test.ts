// Regressions from an attack on updates in combination with defaults, watches and expiry: a
// field's default is where an operation starts, a watch never sees a marker as the old value,
// and an update that applied resolves to a value even when the item expired meanwhile.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);
const Item = defineAtom({
  name: "a3item",
  version: 1,
  schema: v.object({ p: v.string(), n: v.number(), tags: v.array(v.string()) }),
  key: { pk: ["p"] },
});
const Lease = defineAtom({
  name: "a3lease",
  version: 1,
  schema: v.object({ p: v.string(), owner: v.string(), n: v.number(), until: v.date() }),
  key: { pk: ["p"] },
  ttl: "until",
});
// The same type before and after a field with a default was added (no version bump).
const DefOld = defineAtom({
  name: "a3def",
  version: 1,
  schema: v.object({ p: v.string(), n: v.number() }),
  key: { pk: ["p"] },
});
const DefNew = defineAtom({
  name: "a3def",
  version: 1,
  schema: v.object({
    p: v.string(),
    n: v.number(),
    x: v.optional(v.number(), 5),
    l: v.optional(v.array(v.string()), () => ["d"]),
    st: v.optional(v.set(v.string()), () => new Set(["d"])),
  }),
  key: { pk: ["p"] },
});

let table = "";
test.before(async () => {
  table = dynamo().tableName("update-combos");
  await createStore({ table, atoms: [Item, Lease], client: dynamo().client }).ensureTable({
    stream: false,
  });
});

/** A store whose client may lose the answer of a request that applied, after running `hook`. */
function open(
  t: { teardown(fn: () => Promise<void> | void): void },
  hook?: (command: string) => Promise<"lose" | undefined>,
) {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  client.middlewareStack.add(
    (next, context) => async (input) => {
      const out = await next(input);
      const command = String(context.commandName).replace(/Command$/, "");
      if (hook && (await hook(command)) === "lose")
        throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      return out;
    },
    { step: "initialize" },
  );
  const store = createStore({ table, atoms: [Item, Lease, DefNew], client });
  t.teardown(async () => {
    await store.close();
    client.destroy();
  });
  return store;
}

test("a watch on atom.update().upsert() of an absent item gets init as the old value", async (t) => {
  const store = open(t);
  const init = { p: "w1", n: 0, tags: [] };
  const olds: unknown[] = [];
  const h = store.atom(Item, { p: "w1" }, { init });
  h.watch("w", (_name, _atom, old) => olds.push(old));
  await h.update().set({ n: 5, tags: [] }).upsert().go();
  t.deepEqual(olds, [init]);
});

test("add, append and addToSet on a field absent but for its default start from the default", async (t) => {
  const old = createStore({ table, atoms: [DefOld], client: dynamo().client });
  const store = open(t);
  for (const p of ["df1", "df2", "df3"]) await old.atom(DefOld, { p }).reset({ p, n: 1 });
  t.is((await store.atom(DefNew, { p: "df1" }).deref())?.x, 5);
  t.is((await store.update(DefNew, { p: "df1" }).add({ x: 1 }).go()).x, 6);
  t.deepEqual(
    (
      await store
        .update(DefNew, { p: "df2" })
        .append({ l: ["e"] })
        .go()
    ).l,
    ["d", "e"],
  );
  const st = (
    await store
      .update(DefNew, { p: "df3" })
      .addToSet({ st: new Set(["e"]) })
      .go()
  ).st;
  t.deepEqual([...st].sort(), ["d", "e"]);
});

test("an applied update whose answer is lost while another store expires the item resolves to its value", async (t) => {
  const k = { p: "ls1" };
  const other = open(t);
  let lose = false;
  const store = open(t, async (command) => {
    if (command !== "UpdateItem" || !lose) return undefined;
    lose = false;
    await other
      .atom(Lease, k)
      .swap((x) => ({ ...(x as NonNullable<typeof x>), until: new Date(Date.now() - 5000) }));
    return "lose";
  });
  await store
    .atom(Lease, k)
    .reset({ p: "ls1", owner: "a", n: 0, until: new Date(Date.now() + 60_000) });
  await store.update(Lease, k).add({ n: 1 }).go(); // the store learns the state: no read next
  lose = true;
  const renewed = await store.update(Lease, k).add({ n: 1 }).go();
  t.is(renewed?.n, 2);
  t.is(await store.atom(Lease, k).deref(), undefined, "expired since");
});
