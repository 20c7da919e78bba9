// The change feed under faults DynamoDB Local never makes, injected by middleware on a real
// Streams client: a shard split (parent and children), expired iterators, trimmed data.
import test from "ava";
import { type Change, createStore, type Gap } from "dynatom";
import { Counter } from "../helpers/atoms.js";
import {
  byItem,
  collect,
  FOLLOWED,
  feedStore,
  mixedWorkload,
  total,
  WRITTEN,
} from "../helpers/change-workload.js";
import { faultyStreams, type StreamFaults } from "../helpers/stream-faults.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

/** A writing store, and a reading store on the same table whose Streams client has `faults`. */
async function withFaults(label: string, faults: Omit<StreamFaults, "seen"> = {}) {
  const store = await feedStore(dynamo(), label);
  const injected: StreamFaults = {
    ...faults,
    seen: { getRecords: 0, expired: 0, trimmed: 0, iterators: [] },
  };
  const reader = createStore({
    table: store.table,
    atoms: WRITTEN,
    endpoint: dynamo().endpoint,
    streamsClient: faultyStreams(dynamo().endpoint, injected),
  });
  return { store, reader, faults: injected };
}

test("a split shard: the parent is read to its end before its children, order per item kept", async (t) => {
  const { store, reader, faults } = await withFaults("split");
  try {
    const firstHalf = await mixedWorkload(store, 300, 3);
    const before = await collect(
      store.changes({ atoms: FOLLOWED, from: "trim-horizon" }),
      (s) => s.length >= total(firstHalf),
    );
    const at = before.at(-1)?.sequence as string;
    const expected = await mixedWorkload(store, 300, 4, "i", firstHalf);
    faults.split = { at };
    const changes = await collect(
      reader.changes({ atoms: FOLLOWED, from: "trim-horizon", group: "s" }),
      (s) => s.length >= total(expected),
    );
    t.is(changes.length, total(expected));
    t.deepEqual(byItem(changes as Change[]), expected);
    const firstChild = faults.seen.iterators.findIndex((i) =>
      i.startsWith("shardId-virtual-child-1"),
    );
    const parent = faults.seen.iterators.findIndex((i) => i.startsWith("shardId-virtual-parent"));
    t.true(parent >= 0 && firstChild > parent, faults.seen.iterators.join("\n"));
    t.true(faults.seen.iterators.some((i) => i.startsWith("shardId-virtual-child-2")));
    // A restart of the group does not read the finished parent again.
    faults.seen.iterators.length = 0;
    await reader.atom(Counter, { name: "after-split" }).reset({ name: "after-split", n: 1 });
    const more = await collect(
      reader.changes({ atoms: FOLLOWED, group: "s" }),
      (s) => s.length >= 1,
    );
    t.deepEqual(
      more.map((c) => c.new),
      [{ name: "after-split", n: 1 }],
    );
    t.false(faults.seen.iterators.some((i) => i.startsWith("shardId-virtual-parent")));
  } finally {
    await reader.close();
    await store.close();
  }
});

test("expired iterators are renewed where reading stood: nothing lost, nothing twice", async (t) => {
  const { store, reader, faults } = await withFaults("expired", { expireOnCalls: [2, 3, 6] });
  try {
    const counter = store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } });
    const feed = reader.changes({ atoms: [Counter], from: "trim-horizon" });
    await feed.ready();
    for (let i = 0; i < 40; i++) await counter.swap((c) => ({ ...c, n: c.n + 1 }));
    const changes = await collect(feed, (s) => s.length >= 40);
    t.deepEqual(
      changes.map((c) => c.new?.n),
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    t.is(faults.seen.expired, 3);
  } finally {
    await reader.close();
    await store.close();
  }
});

test("trimmed data is reported as a gap, and reading goes on from the oldest record kept", async (t) => {
  const { store, reader, faults } = await withFaults("trimmed");
  try {
    const counter = store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } });
    for (let i = 0; i < 30; i++) await counter.swap((c) => ({ ...c, n: c.n + 1 }));
    const first = await collect(
      reader.changes({ atoms: [Counter], from: "trim-horizon", group: "t", checkpointEveryMs: 0 }),
      (s) => s.length >= 10,
    );
    const all = await collect(
      store.changes({ atoms: [Counter], from: "trim-horizon" }),
      (s) => s.length >= 30,
    );
    faults.trimmedThrough = all[19]?.sequence as string;
    const gaps: Gap[] = [];
    const rest = await collect(
      reader.changes({ atoms: [Counter], group: "t", onGap: (gap) => gaps.push(gap) }),
      (s) => s.length >= 10,
    );
    t.deepEqual(
      rest.map((c) => c.new?.n),
      Array.from({ length: 10 }, (_, i) => i + 21),
    );
    t.is(gaps.length, 1);
    t.like(gaps[0], { after: first[9]?.sequence, reason: "trimmed" });
    t.is(faults.seen.trimmed, 1);
  } finally {
    await reader.close();
    await store.close();
  }
});
