// Attacks on TTL and updates: an expired item must be absent to every read, whatever a handle
// remembers; an update reported failed must not have applied.
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { answered } from "../helpers/sdk-errors.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

const Lease = defineAtom({
  name: "xlease",
  version: 1,
  schema: v.object({ name: v.string(), holder: v.string(), until: v.number() }),
  key: ["name"],
  ttl: "until",
});

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// DynamoDB deletes an expired item within days; DynamoDB Local within a second. A table with
// DynamoDB's TTL off keeps expired items as DynamoDB does until it gets to them.
const Plain = defineAtom({
  name: "xplain",
  version: 1,
  schema: v.object({ name: v.string() }),
  key: ["name"],
});
let table = "";
test.before(async () => {
  table = dynamo().tableName("ttl-attacks");
  await createStore({ table, atoms: [Plain], client: dynamo().client }).ensureTable({
    stream: false,
  });
});

function open(t: { teardown(fn: () => Promise<void>): void }) {
  const store = createStore({ table, atoms: [Lease], client: dynamo().client });
  t.teardown(() => store.close());
  return store;
}

test("A: a handle that wrote an expired value swaps from init, as every other handle does", async (t) => {
  const store = open(t);
  const lease = store.atom(Lease, { name: "a" });
  // Release the lease by making it run out now (the README's "a lease run out is free").
  await lease.reset({ name: "a", holder: "alice", until: now() - 10 });
  t.is(await store.atom(Lease, { name: "a" }).deref(), undefined, "another handle: absent");
  let given: unknown = "not called";
  await lease.swap((current) => {
    given = current;
    return { name: "a", holder: "bob", until: now() + 60 };
  });
  t.is(given, undefined, "the swap must start from init (undefined), not the expired lease");
});

test("A2: tx.check on a handle that wrote an expired value sees it absent", async (t) => {
  const store = open(t);
  const lease = store.atom(Lease, { name: "a2" });
  await lease.reset({ name: "a2", holder: "alice", until: now() - 10 });
  const error = await t.throwsAsync(
    store.transact((tx) => [tx.check(lease, (l) => l?.holder === "alice")]),
  );
  t.true(isDynatomError(error, "transaction.cancelled"), String(error));
});

test("B: a swap on a handle whose state predates expiry does not see the expired value", async (t) => {
  const store = open(t);
  const lease = store.atom(Lease, { name: "b" });
  await lease.reset({ name: "b", holder: "alice", until: now() + 1 });
  await sleep(2200);
  t.is(await store.atom(Lease, { name: "b" }).deref(), undefined, "another handle: absent");
  // alice renews "her" lease: it ran out, so there is nothing to renew.
  const [old] = await lease.swapVals((l) =>
    l?.holder === "alice"
      ? { ...l, until: now() + 60 }
      : { name: "b", holder: "carol", until: now() + 60 },
  );
  t.is(old, undefined, "the lease had run out: the swap must start from init");
  t.is((await lease.deref())?.holder, "carol");
});

test("B2: compareAndSet against an expired value is false", async (t) => {
  const store = open(t);
  const lease = store.atom(Lease, { name: "b2" });
  const held = await lease.reset({ name: "b2", holder: "alice", until: now() + 1 });
  await sleep(2200);
  t.false(await lease.compareAndSet(held, { ...held, until: now() + 60 }));
});

test("B3: tx.check on a handle whose state predates expiry sees it absent", async (t) => {
  const store = open(t);
  const lease = store.atom(Lease, { name: "b3" });
  await lease.reset({ name: "b3", holder: "alice", until: now() + 1 });
  await sleep(2200);
  const error = await t.throwsAsync(
    store.transact((tx) => [tx.check(lease, (l) => l?.holder === "alice")]),
  );
  t.true(isDynatomError(error, "transaction.cancelled"), String(error));
});

test("C: tx.put ifAbsent takes an expired item's place (it is absent)", async (t) => {
  const store = open(t);
  await store.putItems(Lease, [{ name: "c", holder: "alice", until: now() - 10 }]);
  t.is(await store.atom(Lease, { name: "c" }).deref(), undefined);
  await t.notThrowsAsync(
    store.transact((tx) => [
      tx.put(Lease, { name: "c", holder: "bob", until: now() + 60 }, { ifAbsent: true }),
    ]),
  );
});

test("D: tx.delete ifExists of an expired item is cancelled (there is none)", async (t) => {
  const store = open(t);
  await store.putItems(Lease, [{ name: "d", holder: "alice", until: now() - 10 }]);
  t.is(await store.atom(Lease, { name: "d" }).deref(), undefined);
  const error = await t.throwsAsync(
    store.transact((tx) => [tx.delete(Lease, { name: "d" }, { ifExists: true })]),
  );
  t.true(isDynatomError(error, "transaction.cancelled"), String(error));
});

test("E: atom.update() with a watch on an expired item is update.not-found", async (t) => {
  const store = open(t);
  const lease = store.atom(Lease, { name: "e" });
  await lease.reset({ name: "e", holder: "alice", until: now() - 10 });
  lease.watch("log", () => {});
  const error = await t.throwsAsync(lease.update().set({ holder: "bob" }).go());
  t.true(isDynatomError(error, "update.not-found"), String(error));
});

const Token = defineAtom({
  name: "xtoken",
  version: 1,
  schema: v.object({ id: v.string(), expiresAt: v.optional(v.date()) }),
  key: ["id"],
});
const TokenTtl = defineAtom({
  name: "xtoken",
  version: 1,
  schema: v.object({ id: v.string(), expiresAt: v.optional(v.date()) }),
  key: ["id"],
  ttl: "expiresAt",
});

test("G: backfill gives _ttl to the items written before the type declared ttl", async (t) => {
  const before = createStore({ table, atoms: [Token], client: dynamo().client });
  await before.putItems(Token, [{ id: "g", expiresAt: new Date(Date.now() - 60_000) }]);
  await before.close();
  const store = createStore({ table, atoms: [TokenTtl], client: dynamo().client });
  t.teardown(() => store.close());
  const { rewritten } = await store.backfill(TokenTtl);
  t.is(rewritten, 1, "the definition writes this item differently: with _ttl");
  const { Item } = await dynamo().client.send(
    new GetItemCommand({ TableName: table, Key: TokenTtl.keyOf({ id: "g" }) }),
  );
  t.truthy(Item?._ttl, "DynamoDB can only delete it with _ttl");
  t.is(await store.atom(TokenTtl, { id: "g" }).deref(), undefined, "its expiresAt is past");
});

/**
 * A store of `atoms` on the table through a client of its own, whose `hook` sees the name of
 * every command first (and may throw to refuse it); closed when the test ends.
 */
function storeWith<A extends Parameters<typeof createStore>[0]["atoms"][number]>(
  t: { teardown(fn: () => Promise<void>): void },
  atoms: readonly A[],
  hook: (command: string) => void,
) {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  client.middlewareStack.add(
    (next, context) => async (args) => {
      hook(String(context.commandName).replace(/Command$/, ""));
      return next(args);
    },
    { step: "initialize" },
  );
  const store = createStore({ table, atoms, client });
  t.teardown(async () => {
    await store.close();
    client.destroy();
  });
  return store;
}

const Num = defineAtom({
  name: "xnum",
  version: 1,
  schema: v.object({ id: v.string(), n: v.number() }),
  key: ["id"],
});

test("H: an add whose sum is rewritten says it applied even when the rewrite fails", async (t) => {
  // A role allowed UpdateItem (and reads) but not PutItem.
  const store = storeWith(t, [Num], (command) => {
    if (command === "PutItem") throw answered("AccessDeniedException", 400);
  });
  await createStore({ table, atoms: [Num], client: dynamo().client }).putItems(Num, [
    { id: "h", n: 2 ** 53 },
  ]);
  let outcome: unknown;
  try {
    outcome = await store.update(Num, { id: "h" }).add({ n: 1 }).go();
  } catch (error) {
    outcome = error;
  }
  const { Item } = await dynamo().client.send(
    new GetItemCommand({ TableName: table, Key: Num.keyOf({ id: "h" }) }),
  );
  t.is(Item?.n?.N, "9007199254740993", "the add applied (DynamoDB's decimal sum)");
  t.false(outcome instanceof Error, `the update applied, yet go() rejected: ${String(outcome)}`);
});

const Sess = defineAtom({
  name: "xsess",
  version: 1,
  schema: v.object({ user: v.string(), id: v.string(), until: v.optional(v.number()) }),
  key: { pk: ["user"], sk: ["id"] },
  ttl: "until",
});

test("I: a query's limit past many expired items reads in large pages, not limit + 1 at a time", async (t) => {
  let queries = 0;
  const store = storeWith(t, [Sess], (command) => {
    if (command === "Query") queries++;
  });
  const expiredSessions = Array.from({ length: 400 }, (_, i) => ({
    user: "i",
    id: `a${String(i).padStart(4, "0")}`,
    until: now() - 60,
  }));
  await store.putItems(Sess, [...expiredSessions, { user: "i", id: "z", until: now() + 600 }]);
  queries = 0;
  const page = await store.query(Sess).primary({ user: "i" }).go({ limit: 1, consistent: true });
  t.deepEqual(
    page.items.map((s) => s.id),
    ["z"],
  );
  t.true(queries <= 5, `${queries} Query requests for one live item behind 400 expired ones`);
});

test("J: an add whose sum DynamoDB stores exactly is ONE UpdateItem, and the next one too", async (t) => {
  const sent: string[] = [];
  const store = storeWith(t, [Num], (command) => sent.push(command));
  await store.putItems(Num, [{ id: "j", n: 1e21 }]);
  await store.update(Num, { id: "j" }).add({ n: 1e21 }).go(); // 2e21: a double holds it exactly
  sent.length = 0;
  t.is((await store.update(Num, { id: "j" }).add({ n: 1e21 }).go()).n, 3e21);
  t.deepEqual(sent, ["UpdateItem"]);
});

test("K: an expiry DynamoDB cannot hold as _ttl is refused before anything is sent", async (t) => {
  const store = open(t);
  const error = await t.throwsAsync(
    store.atom(Lease, { name: "k" }).reset({ name: "k", holder: "a", until: 1e200 }),
  );
  t.true(isDynatomError(error, "schema.invalid-value"), String(error));
});
