// Hot atoms combine: changes to one atom from any handles of one store that arrive while a write
// to it is in flight go out together as ONE conditional write, each caller keeping its own
// outcome. Counted on the wire (SDK middleware on a real client), on DynamoDB Local.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom, isDynatomError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { recordRequests } from "../helpers/requests.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

/** A counter that refuses negative values, to make one change of a batch fail validation. */
const Tally = defineAtom({
  name: "tally",
  version: 1,
  schema: v.object({ name: v.string(), n: v.pipe(v.number(), v.minValue(0)) }),
  key: ["name"],
});
type Tally = v.InferOutput<typeof Tally.schema>;

let table = "";
let serial = 0;

test.before(async () => {
  table = dynamo().tableName("combine");
  await createStore({ table, atoms: [Tally], client: dynamo().client }).ensureTable({
    stream: false,
  });
});

function open() {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  const requests = recordRequests(client);
  const store = createStore({ table, atoms: [Tally], client });
  const name = `t${++serial}`;
  const handle = () => store.atom(Tally, { name }, { init: { name, n: 0 } });
  const puts = () => requests.sent.filter((command) => command === "PutItemCommand").length;
  return { store, requests, name, handle, puts };
}

const inc = (t: Tally): Tally => ({ ...t, n: t.n + 1 });

/** Every caller saw its own step: olds 0..n-1 once each, and each new is its old plus one. */
function ownSteps(results: readonly (readonly [Tally, Tally])[], n: number) {
  const olds = results.map(([old]) => old.n).sort((a, b) => a - b);
  const steps = results.every(([old, next]) => next.n === old.n + 1);
  return { olds, expected: Array.from({ length: n }, (_, i) => i), steps };
}

test("32 concurrent swaps on one handle: far fewer writes than swaps, exact, each caller its own step, watches in order", async (t) => {
  const { handle, puts, name } = open();
  const counter = handle();
  const seen: [number, number][] = [];
  counter.watch("log", (_name, _atom, old, next) => seen.push([old.n, next.n]));
  const results = await Promise.all(Array.from({ length: 32 }, () => counter.swapVals(inc)));
  t.deepEqual(await counter.deref(), { name, n: 32 });
  const { olds, expected, steps } = ownSteps(results, 32);
  t.deepEqual(olds, expected);
  t.true(steps);
  t.true(puts() <= 3, `${puts()} writes for 32 swaps`);
  t.deepEqual(
    seen,
    Array.from({ length: 32 }, (_, i) => [i, i + 1]),
    "each change's watch, in order",
  );
});

test("32 concurrent swaps on 8 handles of one key combine the same", async (t) => {
  const { handle, puts, name } = open();
  const handles = Array.from({ length: 8 }, handle);
  const results = await Promise.all(
    Array.from({ length: 32 }, (_, i) =>
      (handles[i % 8] as ReturnType<typeof handle>).swapVals(inc),
    ),
  );
  t.deepEqual(await (handles[0] as ReturnType<typeof handle>).deref(), { name, n: 32 });
  const { olds, expected, steps } = ownSteps(results, 32);
  t.deepEqual(olds, expected);
  t.true(steps);
  t.true(puts() <= 3, `${puts()} writes for 32 swaps`);
});

test("a function that throws, or a value refused, fails alone; the others of its write apply", async (t) => {
  const { handle, name } = open();
  const counter = handle();
  await counter.reset({ name, n: 0 });
  const calls = Array.from({ length: 12 }, (_, i) =>
    counter.swap((c) => {
      if (i === 4) throw new Error("boom");
      if (i === 7) return { ...c, n: -1 };
      return inc(c);
    }),
  );
  const settled = await Promise.allSettled(calls);
  const failed = settled.flatMap((s, i) => (s.status === "rejected" ? [i] : []));
  t.deepEqual(failed, [4, 7]);
  const boom = settled[4] as PromiseRejectedResult;
  t.is((boom.reason as Error).message, "boom");
  const refused = settled[7] as PromiseRejectedResult;
  t.true(isDynatomError(refused.reason, "schema.invalid-value"));
  t.deepEqual(await counter.deref(), { name, n: 10 });
});

test("a compareAndSet among combined changes sees the value the changes before it leave", async (t) => {
  const { handle, puts, requests, name } = open();
  const counter = handle();
  await counter.reset({ name, n: 0 });
  requests.clear();
  // The first goes out alone; the next four queue behind it and share one write.
  const first = counter.swap(inc); // 1
  const a = counter.swap(inc); // 2
  const matching = counter.compareAndSet({ name, n: 2 }, { name, n: 100 }); // true: 100
  const stale = counter.compareAndSet({ name, n: 2 }, { name, n: 7 }); // false: it is 100
  const b = counter.swap(inc); // 101
  t.deepEqual(await first, { name, n: 1 });
  t.deepEqual(await a, { name, n: 2 });
  t.true(await matching);
  t.false(await stale);
  t.deepEqual(await b, { name, n: 101 });
  t.deepEqual(await counter.deref(), { name, n: 101 });
  t.is(puts(), 2, "one write alone, then one for the four that waited");
});

test("combined writes of two stores on one atom stay exact under contention", async (t) => {
  const stores = [open(), open()];
  const name = (stores[0] as ReturnType<typeof open>).name;
  const handles = stores.flatMap(({ store }) =>
    Array.from({ length: 4 }, () => store.atom(Tally, { name }, { init: { name, n: 0 } })),
  );
  const results = await Promise.all(
    Array.from({ length: 64 }, (_, i) =>
      (handles[i % handles.length] as (typeof handles)[number]).swapVals(inc),
    ),
  );
  const { olds, expected, steps } = ownSteps(results, 64);
  t.deepEqual(olds, expected);
  t.true(steps);
  t.deepEqual(await (handles[0] as (typeof handles)[number]).deref(), { name, n: 64 });
});

test("changes under different retry policies do not share a write: one handle's budget never fails another's swap", async (t) => {
  const { store, name, requests } = open();
  const strict = store.atom(Tally, { name }, { init: { name, n: 0 }, retry: { maxAttempts: 1 } });
  const patient = store.atom(Tally, { name }, { init: { name, n: 0 } });
  await patient.reset({ name, n: 0 });
  await strict.deref();
  // Another store moves the item on: both handles now hold a stale version.
  const other = open();
  await other.store.atom(Tally, { name }, { init: { name, n: 0 } }).swap(inc);
  requests.clear();
  const first = strict.swap(inc);
  const second = strict.swap(inc);
  const third = patient.swap(inc);
  const [a, b, c] = await Promise.allSettled([first, second, third]);
  t.is(a?.status, "rejected", "one attempt on a stale version: gives up");
  t.true(b?.status === "rejected" || b?.status === "fulfilled");
  t.is(c?.status, "fulfilled", "the default policy retries its own write");
  const final = (await patient.deref()).n;
  t.is(final, 2 + (b?.status === "fulfilled" ? 1 : 0));
});
