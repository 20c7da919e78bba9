// Type tests for store.query: lines under @ts-expect-error must not compile.
import { createStore, defineAtom, type InferAtom, type Page } from "dynatom";
import * as v from "valibot";
import { Account, Counter } from "../helpers/atoms.js";

type AccountValue = InferAtom<typeof Account>;

const Reading = defineAtom({
  name: "reading",
  version: 1,
  schema: v.object({ p: v.string(), id: v.string(), d: v.date(), n: v.number(), s: v.string() }),
  key: { pk: ["p"], sk: ["id"] },
  indexes: {
    byDN: { pk: ["p"], sk: ["d", "n"] },
    bySD: { pk: ["p"], sk: ["s", "d"] },
  },
});

const store = createStore({ table: "app", atoms: [Account, Reading] });
const accounts = store.query(Account);

async function items() {
  // Items are decoded Account values.
  const page = await accounts
    .byTenantCreated({ tenant: "t1" })
    .gte({ createdAt: new Date() })
    .go({ limit: 50, order: "desc" });
  const values: AccountValue[] = page.items;
  const cursor: string | undefined = page.cursor;
  const balance: bigint | undefined = page.items[0]?.balance;
  const created: Date | undefined = page.items[0]?.createdAt;
  // @ts-expect-error: balance is a bigint
  const wrong: number | undefined = page.items[0]?.balance;
  const typed: Page<AccountValue> = await accounts.byScore({ tenant: "t" }).go();
  for await (const each of accounts.byEmail({ email: "a@b.co" }).pages({ limit: 10 })) {
    const first: AccountValue | undefined = each.items[0];
    void first;
  }
  await accounts.byTenantCreated({ tenant: "t" }).go({ ...(cursor ? { cursor } : {}) });
  // @ts-expect-error: order is "asc" or "desc"
  await accounts.byTenantCreated({ tenant: "t" }).go({ order: "up" });
  // @ts-expect-error: limit is a number
  await accounts.byTenantCreated({ tenant: "t" }).go({ limit: "10" });
  void values;
  void balance;
  void created;
  void wrong;
  void typed;
}
void items;

// One method per index, and no other.
accounts.byEmail({ email: "a@b.co" });
accounts.byScore({ tenant: "t" });
// @ts-expect-error: not an index of Account
accounts.byName({ name: "x" });
// @ts-expect-error: params is not part of the public type
accounts.byScore({ tenant: "t" }).params();

// The partition takes exactly the index's pk fields, with their types.
// @ts-expect-error: tenant is missing
accounts.byTenantCreated({});
// @ts-expect-error: tenant is a string
accounts.byTenantCreated({ tenant: 1 });
// @ts-expect-error: email is not byTenantCreated's partition field
accounts.byTenantCreated({ email: "a@b.co" });

// Sort conditions take the index's sort fields, with their types.
const created = accounts.byTenantCreated({ tenant: "t" });
created.gte({ createdAt: new Date() });
created.between({ createdAt: new Date(0) }, { createdAt: new Date() });
created.eq({ createdAt: new Date() }).pages();
// @ts-expect-error: createdAt is a Date
created.gte({ createdAt: "x" });
// @ts-expect-error: score is not byTenantCreated's sort field
created.gte({ score: 1 });
// @ts-expect-error: a condition names at least the first sort field
created.lt({});
// @ts-expect-error: beginsWith takes a string field only
created.beginsWith({ createdAt: new Date() });
// @ts-expect-error: not even with a string
created.beginsWith({ createdAt: "2026" });
// @ts-expect-error: both ends of between
created.between({ createdAt: new Date() });

const scores = accounts.byScore({ tenant: "t" });
scores.between({ score: -5 }, { score: 12.5 });
// @ts-expect-error: score is a number
scores.lte({ score: 1n });
// @ts-expect-error: beginsWith on a number
scores.beginsWith({ score: 1 });

// An index without a sort key takes no condition at all.
const byEmail = accounts.byEmail({ email: "a@b.co" });
byEmail.go();
// @ts-expect-error: byEmail has no sort key
byEmail.gt({ email: "a" });
// @ts-expect-error: nothing fits
byEmail.gt({});
// @ts-expect-error: no sort field to compare
byEmail.eq({ tenant: "t" });
// @ts-expect-error: no string sort field
byEmail.beginsWith({ email: "a" });

// Several sort fields: a condition names a prefix of them, in order.
const readings = store.query(Reading).byDN({ p: "x" });
readings.gt({ d: new Date() });
readings.gt({ d: new Date(), n: 1 });
readings.between({ d: new Date(0) }, { d: new Date() });
readings.between({ d: new Date(0), n: 0 }, { d: new Date(), n: 1 });
// @ts-expect-error: n alone skips d
readings.gt({ n: 1 });
// @ts-expect-error: n is a number
readings.gt({ d: new Date(), n: "1" });
// @ts-expect-error: s is not a sort field of byDN
readings.eq({ d: new Date(), s: "a" });
// @ts-expect-error: both ends of between name the same fields
readings.between({ d: new Date(0) }, { d: new Date(), n: 1 });
// @ts-expect-error: both ends of between name the same fields
readings.between({ d: new Date(0), n: 0 }, { d: new Date() });

// beginsWith takes a prefix of sort fields whose last is a string.
const bySD = store.query(Reading).bySD({ p: "x" });
bySD.beginsWith({ s: "a" });
bySD.eq({ s: "a", d: new Date() });
// @ts-expect-error: the last field, d, is a Date
bySD.beginsWith({ s: "a", d: new Date() });
// @ts-expect-error: a number for the string
bySD.beginsWith({ s: 1 });

const Lone = defineAtom({
  name: "lone",
  version: 1,
  schema: v.object({ id: v.string() }),
  key: ["id"],
});
// @ts-expect-error: an atom type without indexes has no index queries
store.query(Lone).byId({ id: "x" });

// The table's own key: `primary` takes its partition fields and sorts on its sort fields.
async function primary() {
  const page = await accounts
    .primary({ tenant: "t1" })
    .beginsWith({ id: "a" })
    .go({ consistent: true, limit: 20 });
  const values: AccountValue[] = page.items;
  await accounts.primary({ tenant: "t1" }).between({ id: "a" }, { id: "m" }).go();
  // @ts-expect-error: the partition of Account's key is tenant, not id
  accounts.primary({ id: "a1" });
  // @ts-expect-error: tenant is a string
  accounts.primary({ tenant: 1 });
  // @ts-expect-error: id is Account's sort field, not createdAt
  accounts.primary({ tenant: "t1" }).gte({ createdAt: new Date() });
  // @ts-expect-error: consistent is a boolean
  await accounts.primary({ tenant: "t1" }).go({ consistent: "yes" });
  // A key of one field (a list) has no sort field: no condition fits.
  const counters = createStore({ table: "app", atoms: [Reading, Counter] }).query(Counter);
  await counters.primary({ name: "hits" }).go();
  // @ts-expect-error: no sort field to compare
  counters.primary({ name: "hits" }).gt({ name: "a" });
  const counted: number = await accounts.byScore({ tenant: "t1" }).gt({ score: 0 }).count();
  await accounts.primary({ tenant: "t1" }).count({ consistent: true });
  // @ts-expect-error: count takes no limit or cursor
  await accounts.byScore({ tenant: "t1" }).count({ limit: 3 });
  const picked = await accounts
    .byScore({ tenant: "t1" })
    .gt({ score: 0 })
    .select(["id", "score"])
    .go();
  const first: { readonly id?: string; readonly score?: number } | undefined = picked.items[0];
  const id: string | undefined = picked.items[0]?.id;
  // @ts-expect-error: not selected
  const email = picked.items[0]?.email;
  // @ts-expect-error: not a field of Account
  accounts.byScore({ tenant: "t1" }).select(["nope"]);
  void first;
  void id;
  void email;
  void counted;
  void values;
}
void primary;
