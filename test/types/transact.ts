// Type tests for batches and transactions: lines under @ts-expect-error must not compile.
import type { createStore, InferAtom } from "dynatom";
import { Account, Counter } from "../helpers/atoms.js";

type AccountValue = InferAtom<typeof Account>;
type CounterValue = InferAtom<typeof Counter>;

declare const store: ReturnType<typeof createStore>;
declare const account: AccountValue;

async function batches() {
  const found = await store.findItems(Account, [{ tenant: "t", id: "a" }]);
  const first: AccountValue | undefined = found[0];
  void first;
  // @ts-expect-error: a found value may be undefined
  const sure: AccountValue = found[0];
  void sure;
  // @ts-expect-error: a key needs every key field
  await store.findItems(Account, [{ tenant: "t" }]);
  await store.putItems(Account, [account], { concurrency: 2, onProgress: ({ done }) => done });
  // @ts-expect-error: values must be the atom's values
  await store.putItems(Counter, [account]);
  await store.deleteItems(Counter, [{ name: "c" }]);
  // @ts-expect-error: wrong key type
  await store.deleteItems(Counter, [{ name: 1 }]);
}
void batches;

async function transactions() {
  const counter = store.atom(Counter, { name: "c" }, { init: { name: "c", n: 0 } });
  const maybe = store.atom(Counter, { name: "d" });
  const [put, next, gone, seen] = await store.transact((tx) => [
    tx.put(Account, account),
    tx.swap(counter, (c) => ({ ...c, n: c.n + 1 })),
    tx.delete(Counter, { name: "x" }),
    tx.check(maybe, (c) => c === undefined),
  ]);
  const p: AccountValue = put;
  const n: CounterValue = next;
  const g: undefined = gone;
  const s: CounterValue | undefined = seen;
  void [p, n, g, s];
  // @ts-expect-error: a swap returns the counter, not an account
  const wrong: AccountValue = next;
  void wrong;
  await store.transact((tx) => [
    // @ts-expect-error: the swap must return a counter
    tx.swap(counter, (c) => ({ ...c, n: "1" })),
  ]);
  // @ts-expect-error: only tx operations
  await store.transact(() => [1]);
  // @ts-expect-error: an object is not an operation
  await store.transact(() => [{}]);
}
void transactions;
