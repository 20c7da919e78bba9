// The change feed on DynamoDB Local's real stream: every write of a mixed workload arrives, in
// order per item, decoded exactly; `latest`; a restart of a group resumes after what was
// acknowledged; poison images; the stream turned on by ensureTable; remote watches.
import {
  CreateTableCommand,
  DescribeTableCommand,
  PutItemCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import test from "ava";
import { type Change, createStore, isDynatomError } from "dynatom";
import { Counter, Register } from "../helpers/atoms.js";
import {
  byItem,
  collect,
  FOLLOWED,
  feedStore,
  mixedWorkload,
  total,
  WRITTEN,
} from "../helpers/change-workload.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

/** Fails the test on a gap: nothing is trimmed on a fresh table. */
const noGap = (label: string) => (gap: unknown) => {
  throw new Error(`${label}: unexpected gap ${JSON.stringify(gap)}`);
};

const storeOn = (label: string) => feedStore(dynamo(), label);

test("a mixed workload of 2,000 writes arrives whole, in order per item, decoded exactly, no other type", async (t) => {
  const store = await storeOn("mixed");
  try {
    const expected = await mixedWorkload(store, 2_000);
    const want = total(expected);
    t.true(want >= 2_000);
    const seen = await collect(
      store.changes({ atoms: FOLLOWED, from: "trim-horizon", onGap: noGap("mixed") }),
      (s) => s.length >= want,
    );
    t.is(seen.length, want);
    t.true(seen.every((c) => c.atom !== ("person" as string)));
    t.deepEqual(byItem(seen as Change[]), expected);
    const sequences = new Set(seen.map((c) => c.sequence));
    t.is(sequences.size, seen.length, "sequence numbers are unique");
    t.true(seen.every((c) => c.at instanceof Date && !Number.isNaN(c.at.getTime())));
  } finally {
    await store.close();
  }
});

test("from latest: only the writes made after the feed is ready", async (t) => {
  const store = await storeOn("latest");
  try {
    const counter = store.atom(Counter, { name: "c" }, { init: { name: "c", n: 0 } });
    for (let i = 0; i < 5; i++) await counter.swap((c) => ({ ...c, n: c.n + 1 }));
    const feed = store.changes({ atoms: [Counter], from: "latest", onGap: noGap("latest") });
    await feed.ready();
    for (let i = 0; i < 3; i++) await counter.swap((c) => ({ ...c, n: c.n + 1 }));
    const seen = await collect(feed, (s) => s.length >= 3);
    t.deepEqual(
      seen.map((c) => [c.type, c.old?.n, c.new?.n]),
      [
        ["modify", 5, 6],
        ["modify", 6, 7],
        ["modify", 7, 8],
      ],
    );
  } finally {
    await store.close();
  }
});

test("a group restarted after an abort or a break resumes after the last acknowledged change", async (t) => {
  const store = await storeOn("restart");
  try {
    const expected = await mixedWorkload(store, 300, 7);
    const want = total(expected);
    const abort = new AbortController();
    const first: Change[] = [];
    for await (const change of store.changes({
      atoms: FOLLOWED,
      from: "trim-horizon",
      group: "g",
      signal: abort.signal,
      onGap: noGap("restart"),
    })) {
      first.push(change as Change);
      if (first.length === 120) abort.abort();
    }
    t.is(first.length, 120, "the abort ends the loop at once");
    // The change in hand at the abort (the 120th) is not acknowledged: it comes again, first.
    const acknowledged = first.slice(0, 119);
    // A second run, stopped by break in the middle, then a third to the end.
    const second = await collect(
      store.changes({ atoms: FOLLOWED, from: "latest", group: "g", onGap: noGap("restart") }),
      (s) => s.length >= 50,
    );
    t.is(second[0]?.sequence, first[119]?.sequence, "the change in hand at the abort comes again");
    const third = await collect(
      store.changes({ atoms: FOLLOWED, from: "latest", group: "g", onGap: noGap("restart") }),
      (s) => acknowledged.length + second.length + s.length >= want,
    );
    const all = [...acknowledged, ...second, ...third] as Change[];
    t.is(all.length, want, "nothing acknowledged repeats");
    t.deepEqual(byItem(all), expected);
    // The checkpoints are items of the table that no query or scan of an atom type returns.
    let scanned = 0;
    for await (const page of store.scan(Counter)) scanned += page.items.length;
    t.true(scanned >= 0);
  } finally {
    await store.close();
  }
});

test("a change whose image cannot be decoded stops the loop with a DecodeError naming it, unless skipped", async (t) => {
  const store = await storeOn("poison");
  const { client } = dynamo();
  try {
    const a = store.atom(Counter, { name: "a" });
    await a.reset({ name: "a", n: 1 });
    // Another tool writes a counter whose n is text.
    const item = Counter.encode({ name: "b", n: 2 });
    await client.send(
      new PutItemCommand({ TableName: store.table, Item: { ...item, n: { S: "two" } } }),
    );
    await a.reset({ name: "a", n: 3 });
    const seen: Change[] = [];
    const error = await t.throwsAsync(async () => {
      for await (const change of store.changes({
        atoms: [Counter],
        from: "trim-horizon",
        group: "p",
        onGap: noGap("poison"),
      })) {
        seen.push(change as Change);
      }
    });
    t.true(isDynatomError(error, "decode.change"));
    if (isDynatomError(error, "decode.change")) {
      t.is(error.details.atom, "counter");
      t.is(error.details.key, '{"name":"b"}');
      t.is(error.details.image, "new");
      t.regex(error.details.sequence, /^\d+$/);
      t.regex(error.message, /counter.*"b".*stream record \d+/);
    }
    t.deepEqual(
      seen.map((c) => c.new?.n),
      [1],
    );
    // The group's checkpoint stays before the poison: a restart meets it again, and a skip passes it.
    const skipped: string[] = [];
    const after = await collect(
      store.changes({
        atoms: [Counter],
        group: "p",
        onDecodeError: (err, record) => {
          skipped.push(`${(err as { code?: string }).code}:${record.dynamodb?.SequenceNumber}`);
          return "skip";
        },
      }),
      (s) => s.length >= 1,
    );
    t.deepEqual(
      after.map((c) => c.new?.n),
      [3],
    );
    t.is(skipped.length, 1);
    t.regex(skipped[0] ?? "", /^decode\.change:\d+$/);
  } finally {
    await store.close();
  }
});

test("ensureTable turns the stream on unless stream: false; a stream without both images is refused by the feed", async (t) => {
  const { endpoint, client, tableName } = dynamo();
  const keys = {
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" as const },
      { AttributeName: "sk", AttributeType: "S" as const },
    ],
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" as const },
      { AttributeName: "sk", KeyType: "RANGE" as const },
    ],
    BillingMode: "PAY_PER_REQUEST" as const,
  };
  const plain = tableName("plain");
  await client.send(new CreateTableCommand({ TableName: plain, ...keys }));
  const store = createStore({ table: plain, atoms: [Counter], endpoint });
  try {
    const refused = await t.throwsAsync(
      store
        .changes({ atoms: [Counter] })
        [Symbol.asyncIterator]()
        .next(),
    );
    t.true(isDynatomError(refused, "store.stream-off"));
    await store.ensureTable({ stream: false });
    const off = await client.send(new DescribeTableCommand({ TableName: plain }));
    t.not(off.Table?.StreamSpecification?.StreamEnabled, true);
    const bad = await t.throwsAsync(store.ensureTable({ stream: "yes" as never }));
    t.true(isDynatomError(bad, "store.invalid-option"));
    await store.ensureTable();
    const { Table } = await client.send(new DescribeTableCommand({ TableName: plain }));
    t.deepEqual(Table?.StreamSpecification, {
      StreamEnabled: true,
      StreamViewType: "NEW_AND_OLD_IMAGES",
    });
    await store.ensureTable(); // idempotent
  } finally {
    await store.close();
  }
  const keysOnly = tableName("keys-only");
  await client.send(
    new CreateTableCommand({
      TableName: keysOnly,
      ...keys,
      StreamSpecification: { StreamEnabled: true, StreamViewType: "KEYS_ONLY" },
    }),
  );
  const other = createStore({ table: keysOnly, atoms: [Counter], endpoint });
  try {
    await other.ensureTable(); // leaves another reader's stream alone
    const error = await t.throwsAsync(other.changes({ atoms: [Counter] }).next());
    t.true(isDynatomError(error, "store.stream-off"));
    t.regex(error?.message ?? "", /KEYS_ONLY.*NEW_AND_OLD_IMAGES/);
    await client.send(
      new UpdateTableCommand({
        TableName: keysOnly,
        StreamSpecification: { StreamEnabled: false },
      }),
    );
  } finally {
    await other.close();
  }
});

test("bad options are refused before any request, naming the option", (t) => {
  const store = createStore({
    table: "changes-options",
    atoms: [Counter],
    endpoint: "http://127.0.0.1:9",
  });
  for (const [options, option] of [
    [{ atoms: [] }, "atoms"],
    [{ atoms: [Counter], from: "now" }, "from"],
    [{ atoms: [Counter], group: "" }, "group"],
    [{ atoms: [Counter], leaseMs: 0 }, "leaseMs"],
    [{ atoms: [Counter], checkpointEveryMs: Number.NaN }, "checkpointEveryMs"],
  ] as const) {
    const error = t.throws(() => store.changes(options as never));
    t.true(isDynatomError(error, "store.invalid-option"), option);
    if (isDynatomError(error, "store.invalid-option")) t.is(error.details.option, option);
  }
  const unknown = t.throws(() => store.changes({ atoms: [Register] as never }));
  t.true(isDynatomError(unknown, "store.unknown-atom"));
});

test("watchRemote sees every change another store makes to that atom, in order, until stopped", async (t) => {
  const store = await storeOn("remote");
  const { endpoint } = dynamo();
  const writer = createStore({ table: store.table, atoms: WRITTEN, endpoint });
  try {
    const seen: [number, number, string][] = [];
    const watched = store.atom(Counter, { name: "w" }, { init: { name: "w", n: 0 } });
    const stop = watched.watchRemote(
      (old, next, change) => {
        seen.push([old.n, next.n, change.type]);
      },
      { onError: (err) => t.fail(String(err)) },
    );
    await stop.ready;
    const other = writer.atom(Counter, { name: "w" }, { init: { name: "w", n: 0 } });
    for (let i = 0; i < 4; i++) await other.swap((c) => ({ ...c, n: c.n + 1 }));
    await writer.atom(Counter, { name: "not-watched" }).reset({ name: "not-watched", n: 9 });
    await other.destroy();
    const until = Date.now() + 30_000;
    while (seen.length < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await stop();
    t.deepEqual(seen, [
      [0, 1, "insert"],
      [1, 2, "modify"],
      [2, 3, "modify"],
      [3, 4, "modify"],
      [4, 0, "remove"],
    ]);
    await writer.atom(Counter, { name: "w" }).reset({ name: "w", n: 100 });
    await new Promise((r) => setTimeout(r, 700));
    t.is(seen.length, 5, "nothing after stop()");
  } finally {
    await writer.close();
    await store.close();
  }
});
