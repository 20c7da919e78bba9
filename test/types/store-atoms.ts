// Type tests for a store typed over its atoms: lines under @ts-expect-error must not compile.
import {
  type AtomDefinition,
  createStore,
  defineAtom,
  type InferAtom,
  type Store,
  type UnregisteredAtom,
} from "dynatom";
import * as v from "valibot";
import { Account, Counter } from "../helpers/atoms.js";

type AccountValue = InferAtom<typeof Account>;
declare const account: AccountValue;

/** Not registered with `store` below. */
const Note = defineAtom({
  name: "note",
  version: 1,
  schema: v.object({ id: v.string(), text: v.string() }),
  key: ["id"],
});

/** Counter's key and one more field: assignable to Counter, and still another atom type. */
const Gauge = defineAtom({
  name: "gauge",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number(), unit: v.string() }),
  key: ["name"],
});

/** Counter's very shape under another name: another atom type all the same. */
const Tally = defineAtom({
  name: "tally",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number() }),
  key: ["name"],
});

// No `as const`: the literal array is enough.
const store = createStore({ table: "app", atoms: [Account, Counter] });

async function registered() {
  store.atom(Account, { tenant: "t", id: "a" });
  store.atom(Counter, { name: "c" }, { init: { name: "c", n: 0 } });
  store.query(Account).byEmail({ email: "a@b.co" });
  await store.findItems(Counter, [{ name: "c" }]);
  await store.putItems(Account, [account]);
  await store.deleteItems(Counter, [{ name: "c" }]);
  await store.transact((tx) => [tx.put(Account, account), tx.delete(Counter, { name: "c" })]);
}
void registered;

async function unregistered() {
  // @ts-expect-error: Note is not registered
  store.atom(Note, { id: "n" });
  // @ts-expect-error: Note is not registered, init or not
  store.atom(Note, { id: "n" }, { init: { id: "n", text: "" } });
  // @ts-expect-error: Note is not registered
  store.query(Note);
  // @ts-expect-error: Note is not registered
  await store.findItems(Note, [{ id: "n" }]);
  // @ts-expect-error: Note is not registered
  await store.putItems(Note, [{ id: "n", text: "" }]);
  // @ts-expect-error: Note is not registered
  await store.deleteItems(Note, [{ id: "n" }]);
  await store.transact((tx) => [
    // @ts-expect-error: Note is not registered
    tx.put(Note, { id: "n", text: "" }),
    // @ts-expect-error: Note is not registered
    tx.delete(Note, { id: "n" }),
  ]);
  // @ts-expect-error: a value that fits Counter does not make Gauge registered
  store.atom(Gauge, { name: "g" });
  // @ts-expect-error: the same shape under another name is another atom type
  store.atom(Tally, { name: "t" });
  const wide: AtomDefinition = Note;
  // @ts-expect-error: a definition typed only as AtomDefinition may be any atom type
  store.query(wide);
}
void unregistered;

// The message tsc prints is the parameter's type: "Argument of type 'AtomType<…>' is not
// assignable to parameter of type '"This atom type is not registered with this store: add it to
// createStore({ atoms: [...] })"'."
type Same<X, Y> =
  (<T>() => T extends X ? 1 : 2) extends <T>() => T extends Y ? 1 : 2 ? true : false;
const queryParameter: Same<Parameters<typeof store.query<typeof Note>>[0], UnregisteredAtom> = true;
const message: UnregisteredAtom =
  "This atom type is not registered with this store: add it to createStore({ atoms: [...] })";
void [queryParameter, message];

// Naming the type: the list, a tuple in any order, or fewer atom types than the store has.
const atoms = [Account, Counter];
const named: Store<typeof atoms> = store;
const tuple: Store<[typeof Counter, typeof Account]> = store;
const fewer: Store<readonly [typeof Counter]> = store;
void [named, tuple, fewer];
const onlyCounter = createStore({ table: "app", atoms: [Counter] });
// @ts-expect-error: this store lacks Account
const more: Store<typeof atoms> = onlyCounter;
// @ts-expect-error: `Store` alone promises every atom type; take `Store<typeof atoms>` instead
const any: Store = store;
void [more, any];

// For a helper over any store, as `Kysely<any>`.
// biome-ignore lint/suspicious/noExplicitAny: the documented way to take every store
function anyStore(s: Store<any>) {
  return s.atom(Note, { id: "n" });
}
anyStore(store);

// A list known only at run time takes every atom type; the store checks at run time.
declare const loaded: AtomDefinition[];
const dynamic = createStore({ table: "app", atoms: loaded });
dynamic.atom(Note, { id: "n" });
dynamic.query(Account).byEmail({ email: "a@b.co" });
void dynamic.transact((tx) => [tx.put(Account, account)]);
const plain: Store = dynamic;
const typed: Store<typeof atoms> = dynamic;
void [plain, typed];
declare const returned: ReturnType<typeof createStore>;
returned.atom(Note, { id: "n" });

// A store made with no atom types takes none.
const empty = createStore({ table: "app", atoms: [] });
// @ts-expect-error: nothing is registered
empty.atom(Counter, { name: "c" });
