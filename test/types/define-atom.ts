// Type tests for defineAtom and the store: lines under @ts-expect-error must not compile.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type AtomKey,
  createStore,
  defineAtom,
  type IndexName,
  type IndexPartition,
  type IndexSort,
  type InferAtom,
} from "dynatom";
import * as v from "valibot";
import { Account } from "../helpers/atoms.js";

type AccountValue = InferAtom<typeof Account>;

// The value type is valibot's output.
const value: AccountValue = {
  tenant: "t",
  id: "a",
  email: "a@b.co",
  balance: 1n,
  createdAt: new Date(),
  score: 1,
  tags: new Set(),
  prefs: new Map(),
};
void value;
// @ts-expect-error: balance is a bigint
const wrongBalance: AccountValue = { ...value, balance: 1 };
void wrongBalance;

// The key type holds the key fields only, with their types.
const key: AtomKey<typeof Account> = { tenant: "t", id: "a" };
void key;
// @ts-expect-error: id is missing
const noId: AtomKey<typeof Account> = { tenant: "t" };
void noId;

// Index types.
const names: IndexName<typeof Account>[] = ["byEmail", "byTenantCreated", "byScore"];
void names;
// @ts-expect-error: no such index
const noIndex: IndexName<typeof Account> = "byName";
void noIndex;
const partition: IndexPartition<typeof Account, "byTenantCreated"> = { tenant: "t" };
const sort: IndexSort<typeof Account, "byTenantCreated"> = { createdAt: new Date() };
void partition;
void sort;
// @ts-expect-error: createdAt is a Date
const badSort: IndexSort<typeof Account, "byTenantCreated"> = { createdAt: "2026" };
void badSort;

const store = createStore({ table: "app", atoms: [Account] });
const atom = store.atom(Account, { tenant: "t1", id: "a1" });
async function reads() {
  const current: AccountValue | undefined = await atom.deref();
  // @ts-expect-error: may be undefined without init
  const notUndefined: AccountValue = await atom.deref();
  const withInit: AccountValue = await store
    .atom(Account, { tenant: "t", id: "b" }, { init: value })
    .deref();
  void current;
  void notUndefined;
  void withInit;
}
void reads;

// @ts-expect-error: a wrong key field
store.atom(Account, { tenant: "t1", idd: "a1" });
// @ts-expect-error: a missing key field
store.atom(Account, { tenant: "t1" });
// @ts-expect-error: a key field of the wrong type
store.atom(Account, { tenant: "t1", id: 7 });

defineAtom({
  name: "bad",
  version: 1,
  schema: v.object({ id: v.string() }),
  // @ts-expect-error: the key names a field the schema does not have
  key: ["nope"],
});

defineAtom({
  name: "bad",
  version: 1,
  schema: v.object({ id: v.string() }),
  key: ["id"],
  // @ts-expect-error: an index on a field the schema does not have
  indexes: { byX: { pk: ["x"] } },
});

// The generated entity's queries are typed from the declaration.
const entity = Account.entity("app", new DynamoDBClient({}));
entity.query.byTenantCreated({ tenant: "t" }).gte({ createdAt: "2026" });
// @ts-expect-error: not a field of that index
entity.query.byTenantCreated({ email: "x" });
