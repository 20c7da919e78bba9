// TTL: `defineAtom({ ttl })` stores `_ttl` (epoch seconds) from a Date or number field,
// `ensureTable` turns DynamoDB's TTL on for it, and an expired item (still there until DynamoDB
// deletes it) is absent to every read, while writes over it stay conditional on it as it is.
import { DescribeTimeToLiveCommand, GetItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom, isDynatomError } from "dynatom";
import * as v from "valibot";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

const Session = defineAtom({
  name: "session",
  version: 1,
  schema: v.object({
    user: v.string(),
    id: v.string(),
    hits: v.number(),
    expiresAt: v.optional(v.date()),
  }),
  key: { pk: ["user"], sk: ["id"] },
  indexes: { byHits: { pk: ["user"], sk: ["hits"] } },
  ttl: "expiresAt",
});

const Lease = defineAtom({
  name: "lease",
  version: 1,
  schema: v.object({ name: v.string(), holder: v.string(), until: v.number() }),
  key: ["name"],
  ttl: "until",
});

const past = new Date(Date.now() - 60_000);
const future = new Date(Date.now() + 3_600_000);

let table = "";
test.before(async () => {
  table = dynamo().tableName("ttl");
  const store = createStore({ table, atoms: [Session, Lease], client: dynamo().client });
  await store.ensureTable({ stream: false });
  await store.ensureTable({ stream: false }); // a second time: TTL already on is fine
  await store.putItems(Session, [
    { user: "u1", id: "live", hits: 1, expiresAt: future },
    { user: "u1", id: "gone", hits: 2, expiresAt: past },
    { user: "u1", id: "forever", hits: 3 },
  ]);
  await store.close();
});

function open(t: { teardown(fn: () => Promise<void>): void }) {
  const store = createStore({ table, atoms: [Session, Lease], client: dynamo().client });
  t.teardown(() => store.close());
  return store;
}

test("ensureTable turns DynamoDB's TTL on for _ttl, stored as epoch seconds", async (t) => {
  const { TimeToLiveDescription } = await dynamo().client.send(
    new DescribeTimeToLiveCommand({ TableName: table }),
  );
  t.is(TimeToLiveDescription?.AttributeName, "_ttl");
  t.true(["ENABLED", "ENABLING"].includes(String(TimeToLiveDescription?.TimeToLiveStatus)));
  const { Item } = await dynamo().client.send(
    new GetItemCommand({ TableName: table, Key: Session.keyOf({ user: "u1", id: "live" }) }),
  );
  t.deepEqual(Item?._ttl, { N: String(Math.floor(future.getTime() / 1000)) });
  t.deepEqual(Session.encode({ user: "u", id: "x", hits: 0 })._ttl, undefined, "no expiry");
  t.deepEqual(Lease.encode({ name: "l", holder: "h", until: 1700000000.9 })._ttl, {
    N: "1700000000",
  });
});

test("an expired item is absent to deref, findItems, queries, counts, scans and backfill", async (t) => {
  const store = open(t);
  t.is(await store.atom(Session, { user: "u1", id: "gone" }).deref(), undefined);
  t.is(
    (
      await store
        .atom(Session, { user: "u1", id: "gone" }, { init: { user: "u1", id: "gone", hits: 0 } })
        .deref()
    ).hits,
    0,
  );
  const found = await store.findItems(Session, [
    { user: "u1", id: "gone" },
    { user: "u1", id: "live" },
  ]);
  t.deepEqual(
    found.map((s) => s?.id),
    [undefined, "live"],
  );
  const ids = (page: { items: { id: string }[] }) => page.items.map((s) => s.id).sort();
  t.deepEqual(ids(await store.query(Session).primary({ user: "u1" }).go({ consistent: true })), [
    "forever",
    "live",
  ]);
  t.deepEqual(ids(await store.query(Session).byHits({ user: "u1" }).go({ limit: 1 })), ["live"]);
  t.is(await store.query(Session).primary({ user: "u1" }).count({ consistent: true }), 2);
  t.is(await store.query(Session).byHits({ user: "u1" }).gte({ hits: 2 }).count(), 1);
  const scanned: string[] = [];
  for await (const page of store.scan(Session, { consistent: true })) {
    scanned.push(...page.items.filter((s) => s.user === "u1").map((s) => s.id));
  }
  t.deepEqual(scanned.sort(), ["forever", "live"]);
  const { rewritten } = await store.backfill(Session);
  t.is(rewritten, 0);
});

test("a swap of an expired item starts from init and writes over it, conditional on it as it is", async (t) => {
  const store = open(t);
  await store.putItems(Session, [{ user: "u2", id: "s", hits: 40, expiresAt: past }]);
  const atom = store.atom(
    Session,
    { user: "u2", id: "s" },
    { init: { user: "u2", id: "s", hits: 0 } },
  );
  const next = await atom.swap((s) => ({ ...s, hits: s.hits + 1, expiresAt: future }));
  t.is(next.hits, 1, "the expired value is not what the swap starts from");
  t.is((await atom.deref()).hits, 1);
  // Two handles racing over an expired item: both apply, once each.
  await store.putItems(Session, [{ user: "u2", id: "r", hits: 40, expiresAt: past }]);
  const init = { user: "u2", id: "r", hits: 0, expiresAt: future };
  await Promise.all(
    Array.from({ length: 4 }, () =>
      store
        .atom(Session, { user: "u2", id: "r" }, { init })
        .swap((s) => ({ ...s, hits: s.hits + 1 })),
    ),
  );
  t.is((await store.atom(Session, { user: "u2", id: "r" }).deref())?.hits, 4);
});

test("an update of an expired item is update.not-found; with .upsert() it starts from the key", async (t) => {
  const store = open(t);
  await store.putItems(Session, [{ user: "u3", id: "s", hits: 40, expiresAt: past }]);
  const error = await t.throwsAsync(
    store.update(Session, { user: "u3", id: "s" }).set({ hits: 1 }).go(),
  );
  t.true(isDynatomError(error, "update.not-found"), String(error));
  const made = await store
    .update(Lease, { name: "l1" })
    .set({ holder: "a", until: Date.now() / 1000 + 60 })
    .upsert()
    .go();
  t.is(made.holder, "a");
  // A lease run out is free: an expired lease reads as absent, and a new holder takes it.
  await store
    .update(Lease, { name: "l1" })
    .set({ until: Date.now() / 1000 - 1 })
    .go();
  t.is(await store.atom(Lease, { name: "l1" }).deref(), undefined);
  const taken = await store
    .update(Lease, { name: "l1" })
    .set({ holder: "b", until: Date.now() / 1000 + 60 })
    .upsert()
    .go();
  t.is(taken.holder, "b");
});

test("ttl must name a Date or number field", (t) => {
  for (const ttl of ["hits2", "user"]) {
    const error = t.throws(() =>
      defineAtom({
        name: "bad-ttl",
        version: 1,
        schema: v.object({ user: v.string(), hits: v.number() }),
        key: ["user"],
        ttl: ttl as never,
      }),
    );
    t.true(isDynatomError(error, "definition.invalid"), String(error));
    t.regex(error?.message ?? "", /bad-ttl.*ttl/);
  }
});
