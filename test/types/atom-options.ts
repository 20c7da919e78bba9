// Type tests for store.atom's options: lines under @ts-expect-error must not compile.
import { type AtomOptions, createStore, type InferAtom } from "dynatom";
import { Counter } from "../helpers/atoms.js";

type CounterValue = InferAtom<typeof Counter>;

const store = createStore({ table: "app", atoms: [Counter] });
const retry = { maxAttempts: 3, baseDelayMs: 1 };

async function withoutInit() {
  const plain = store.atom(Counter, { name: "c" }, { retry });
  const maybe: CounterValue | undefined = await plain.deref();
  void maybe;
  // @ts-expect-error: without init the value is undefined while the item is absent
  const sure: CounterValue = await plain.deref();
  void sure;
  const empty = store.atom(Counter, { name: "c" }, {});
  // @ts-expect-error: empty options have no init either
  const alsoSure: CounterValue = await empty.deref();
  void alsoSure;
  // An options object whose type does not promise init may lack it.
  const options: AtomOptions<CounterValue> = { retry };
  const loose = store.atom(Counter, { name: "c" }, options);
  // @ts-expect-error: init may be missing from such options
  const looseSure: CounterValue = await loose.deref();
  void looseSure;
}
void withoutInit;

async function withInit() {
  const hits = store.atom(Counter, { name: "c" }, { retry, init: { name: "c", n: 0 } });
  const sure: CounterValue = await hits.deref();
  void sure;
  const onlyInit: CounterValue = await store
    .atom(Counter, { name: "c" }, { init: { name: "c", n: 0 } })
    .deref();
  void onlyInit;
  const options = { init: { name: "c", n: 0 }, retry } satisfies AtomOptions<CounterValue>;
  const typed: CounterValue = await store.atom(Counter, { name: "c" }, options).deref();
  void typed;
}
void withInit;

// @ts-expect-error: init must be a counter
store.atom(Counter, { name: "c" }, { init: { name: "c" } });
// @ts-expect-error: init is a value, never undefined (exactOptionalPropertyTypes)
store.atom(Counter, { name: "c" }, { init: undefined });
// @ts-expect-error: no such option
store.atom(Counter, { name: "c" }, { retries: 3 });
// @ts-expect-error: retry options are typed
store.atom(Counter, { name: "c" }, { retry: { maxAttempts: "3" } });
// @ts-expect-error: the key is still checked when options are given
store.atom(Counter, { name: 1 }, { retry });

async function swapInTellsTheTruth() {
  const plain = store.atom(Counter, { name: "c" });
  // @ts-expect-error: without init the path's value is undefined while the item is absent
  await plain.swapIn(["n"], (n) => n + 1);
  await plain.swapIn(["n"], (n) => (n ?? 0) + 1);
  const sure = store.atom(Counter, { name: "c" }, { init: { name: "c", n: 0 } });
  await sure.swapIn(["n"], (n) => n + 1);
}
void swapInTellsTheTruth;
