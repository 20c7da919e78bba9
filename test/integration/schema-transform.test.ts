import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore, defineAtom, type InferAtomInput, ValidationError } from "dynatom";
import { localClientConfig } from "dynatom/local";
import * as v from "valibot";
import { recordRequests } from "../helpers/requests.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

/** The value of an atom the test has written: never absent. */
function present<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("the atom is absent");
  return value;
}

/**
 * An atom whose schema transforms: `at` comes in as an ISO string and is stored and read as a
 * Date (a bare `v.transform`, which nothing can check afterwards), and each tag's `since` is
 * converted by `v.toDate()` (whose output dynatom knows is a Date).
 */
const Event = defineAtom({
  name: "event",
  version: 1,
  schema: v.object({
    id: v.string(),
    kind: v.string(),
    n: v.number(),
    at: v.pipe(
      v.string(),
      v.isoTimestamp(),
      v.transform((s) => new Date(s)),
    ),
    tags: v.optional(
      v.array(v.object({ label: v.string(), since: v.pipe(v.string(), v.isoDate(), v.toDate()) })),
      [],
    ),
  }),
  key: ["id"],
  indexes: { byKind: { pk: ["kind"], sk: ["id"] } },
});

type EventInput = InferAtomInput<typeof Event>;

const AT = "2026-01-02T03:04:05.000Z";
const LATER = "2027-06-07T08:09:10.000Z";

let table = "";
test.before(async () => {
  table = dynamo().tableName("transform");
  await createStore({ table, atoms: [Event], client: dynamo().client }).ensureTable({
    stream: false,
  });
});

let n = 0;
function open() {
  const client = new DynamoDBClient(localClientConfig(dynamo().endpoint));
  const requests = recordRequests(client);
  return { client, requests, store: createStore({ table, atoms: [Event], client }), id: `e${++n}` };
}

const input = (id: string, more: Partial<EventInput> = {}): EventInput => ({
  id,
  kind: "k",
  n: 0,
  at: AT,
  ...more,
});

test("reset takes the schema's input, stores its output readably, and reads the output", async (t) => {
  const { store, client, id } = open();
  const event = store.atom(Event, { id });
  const stored = await event.reset(input(id, { tags: [{ label: "a", since: "2026-01-01" }] }));
  t.deepEqual(stored, {
    id,
    kind: "k",
    n: 0,
    at: new Date(AT),
    tags: [{ label: "a", since: new Date("2026-01-01") }],
  });
  t.deepEqual(await event.deref(), stored);
  const { Item } = await client.send(
    new GetItemCommand({ TableName: table, Key: Event.keyOf({ id }) }),
  );
  t.deepEqual(Item?.at, { S: AT }, "a Date is stored as its ISO string");
});

test("the output form is refused where a write takes the input", async (t) => {
  const { store, requests, id } = open();
  const event = store.atom(Event, { id });
  const err = await t.throwsAsync(event.reset({ ...input(id), at: new Date(AT) } as never), {
    instanceOf: ValidationError,
  });
  t.regex(err?.message ?? "", /at: /);
  t.deepEqual(requests.sent, [], "refused before any request");
});

test("an identity swap after a write keeps the value and bumps the version", async (t) => {
  const { store, id } = open();
  const event = store.atom(Event, { id });
  const first = await event.reset(input(id, { tags: [{ label: "a", since: "2026-01-01" }] }));
  t.deepEqual(await event.swap((e) => present(e)), first);
  t.deepEqual(await event.swap((e) => ({ ...present(e) })), first);
  t.is(event.version, 3);
  // A fresh handle starts from the stored item, not from what this one cached.
  const other = open().store.atom(Event, { id });
  t.deepEqual(await other.swap((e) => ({ ...present(e), n: present(e).n + 1 })), {
    ...first,
    n: 1,
  });
  t.deepEqual(await event.deref(), { ...first, n: 1 });
});

test("a swap may return the input where the schema transforms, at any depth, mixed with outputs it was given", async (t) => {
  const { store, id } = open();
  const event = store.atom(Event, { id });
  await event.reset(input(id, { tags: [{ label: "a", since: "2026-01-01" }] }));
  const next = await event.swap((e) => ({
    ...present(e),
    at: LATER,
    tags: [...present(e).tags, { label: "b", since: "2026-02-02" }],
  }));
  t.deepEqual(next.at, new Date(LATER));
  t.deepEqual(
    next.tags.map((tag) => tag.since),
    [new Date("2026-01-01"), new Date("2026-02-02")],
  );
  t.deepEqual(await event.deref(), next);
});

test("a swap's new output is taken where the schema can check it, refused where it cannot", async (t) => {
  const { store, requests, id } = open();
  const event = store.atom(Event, { id });
  const start = await event.reset(input(id));
  // `v.toDate()` makes a Date: a new Date can be checked, so it is taken.
  const since = new Date("2025-05-05");
  const tagged = await event.swap((e) => ({ ...present(e), tags: [{ label: "x", since }] }));
  t.deepEqual(tagged.tags, [{ label: "x", since }]);
  // A bare `v.transform` could have made anything: only its input, or the value given, will do.
  requests.clear();
  const err = await t.throwsAsync(
    event.swap((e) => ({ ...present(e), at: new Date(LATER) })),
    { instanceOf: ValidationError },
  );
  t.regex(err?.message ?? "", /at: .*(ISO|input)/);
  t.deepEqual(requests.sent, ["GetItemCommand"], "refused on the stored value, nothing written");
  t.deepEqual(await event.deref(), { ...start, tags: [{ label: "x", since }] });
  // An invalid input is still refused, not taken for an output.
  await t.throwsAsync(
    event.swap((e) => ({ ...present(e), at: "not a timestamp" })),
    { instanceOf: ValidationError },
  );
});

test("compareAndSet compares outputs and writes an input", async (t) => {
  const { store, id } = open();
  const event = store.atom(Event, { id });
  const current = await event.reset(input(id));
  t.false(await event.compareAndSet({ ...current, n: 9 }, input(id, { n: 2 })));
  t.true(await event.compareAndSet(current, input(id, { n: 1, at: LATER })));
  t.deepEqual(await event.deref(), { ...current, n: 1, at: new Date(LATER) });
});

test("a transaction puts an input and swaps from the output", async (t) => {
  const { store, id } = open();
  const event = store.atom(Event, { id });
  await event.reset(input(id));
  const [put, swapped] = await store.transact((tx) => [
    tx.put(Event, input(`${id}-put`, { tags: [{ label: "p", since: "2026-03-03" }] })),
    tx.swap(event, (e) => ({ ...present(e), n: present(e).n + 1 })),
  ]);
  t.deepEqual(put.at, new Date(AT));
  t.deepEqual(put.tags, [{ label: "p", since: new Date("2026-03-03") }]);
  t.deepEqual(swapped, { id, kind: "k", n: 1, at: new Date(AT), tags: [] });
  const [again] = await store.transact((tx) => [tx.swap(event, (e) => present(e))]);
  t.deepEqual(again, swapped);
  t.deepEqual(await store.atom(Event, { id: `${id}-put` }).deref(), put);
});

test("putItems takes inputs; findItems and queries read outputs", async (t) => {
  const { store, id } = open();
  const kind = `kind-${id}`;
  const values = [0, 1, 2].map((i) => input(`${id}-${i}`, { kind, n: i, at: LATER }));
  await store.putItems(Event, values);
  const found = await store.findItems(
    Event,
    values.map((value) => ({ id: value.id })),
  );
  t.deepEqual(
    found.map((value) => value?.at),
    [new Date(LATER), new Date(LATER), new Date(LATER)],
  );
  const { items } = await store.query(Event).byKind({ kind }).go();
  t.deepEqual(
    items.map((item) => [item.n, item.at, item.tags]),
    [
      [0, new Date(LATER), []],
      [1, new Date(LATER), []],
      [2, new Date(LATER), []],
    ],
  );
  // A value read can be swapped as it is.
  const first = store.atom(Event, { id: `${id}-0` });
  t.deepEqual(await first.swap((e) => present(e)), items[0]);
});
