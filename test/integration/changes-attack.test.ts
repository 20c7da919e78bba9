// Attacks on the change feed: each test states a guarantee of README "### Change feed" and a
// sequence of events, made deterministic by middleware on real clients, under which it failed
// once: a stale round of lease reads, a failing first iterator, a break during a round, an
// expiry before any record, a SHARD_END write that fails, an abort in the loop's body.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import test from "ava";
import { type Change, createStore, DecodeError, decodeStreamRecord, type Gap } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { Counter } from "../helpers/atoms.js";
import { collect, feedStore, splitTable, WRITTEN } from "../helpers/change-workload.js";
import { deferred, type Hook, intercept } from "../helpers/intercept.js";
import { faultyStreams, type StreamFaults, streamsError } from "../helpers/stream-faults.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A store on `table` whose Streams client runs `hook` around every request. */
function readerWith(table: string, hook: Hook, name: string) {
  const streams = new DynamoDBStreamsClient({
    ...localClientConfig(dynamo().endpoint),
    maxAttempts: 1,
  });
  intercept(streams, hook, name);
  const reader = createStore({
    table,
    atoms: WRITTEN,
    endpoint: dynamo().endpoint,
    streamsClient: streams,
  });
  const close = async () => {
    await reader.close();
    streams.destroy();
  };
  return { reader, close };
}

const n = (c: unknown) => (c as Change<typeof Counter>).new?.n;

test("break while a round lists the shards returns without waiting for the next round", async (t) => {
  const store = await feedStore(dynamo(), "round");
  const listing = deferred();
  const { reader, close: closeReader } = readerWith(
    store.table,
    async (name, _input, next) => {
      if (name === "DescribeStreamCommand") {
        listing.resolve();
        await sleep(300);
      }
      return next();
    },
    "slowList",
  );
  try {
    // Rounds every 10 s (the most): a return() that waits for the next round shows here.
    const feed = reader.changes({ atoms: [Counter], from: "latest", leaseMs: 600_000 });
    void feed.ready().catch(() => {});
    await listing.promise; // the first round's DescribeStream is in flight
    const ended = await Promise.race([
      feed.return().then(() => "returned"),
      sleep(9_000).then(() => "waits for the next round"),
    ]);
    t.is(ended, "returned");
  } finally {
    await closeReader();
    await store.close();
  }
});

test("a failing first GetShardIterator ends the loop with that error instead of hanging", async (t) => {
  const store = await feedStore(dynamo(), "hang");
  const { reader, close: closeReader } = readerWith(
    store.table,
    async (name, _input, next) => {
      if (name === "GetShardIteratorCommand") throw streamsError("ValidationException", "boom");
      return next();
    },
    "failIterator",
  );
  try {
    const feed = reader.changes({ atoms: [Counter], from: "latest" });
    const ready = await Promise.race([
      feed.ready().then(
        () => "resolved",
        () => "rejected",
      ),
      sleep(3_000).then(() => "hung"),
    ]);
    t.is(ready, "rejected", "ready() rejects");
    const outcome = await Promise.race([
      feed.next().then(
        () => "value",
        (err: Error) => `threw ${err.message}`,
      ),
      sleep(5_000).then(() => "hung"),
    ]);
    t.regex(
      outcome,
      /^threw .*boom/,
      "next() throws the error (it hangs: #close awaits #rounds, which awaits run.positioned, which only #close's run.stop() resolves)",
    );
  } finally {
    await closeReader();
    await store.close();
  }
});

test("an abort while the loop handles a change ends the feed without acknowledging that change", async (t) => {
  const store = await feedStore(dynamo(), "abortheld");
  try {
    const counter = store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } });
    for (let i = 0; i < 3; i++) await counter.swap((c) => ({ ...c, n: c.n + 1 }));
    const abort = new AbortController();
    const seen: unknown[] = [];
    for await (const change of store.changes({
      atoms: [Counter],
      from: "trim-horizon",
      group: "g",
      signal: abort.signal,
    })) {
      seen.push(n(change));
      if (seen.length === 2) {
        abort.abort();
        await sleep(300); // the loop is still handling change 2 (an await in its body)
      }
    }
    t.deepEqual(seen, [1, 2]);
    const again = await collect(
      store.changes({ atoms: [Counter], group: "g" }),
      (s) => s.some((c) => n(c) === 3),
      10_000,
    );
    t.deepEqual(again.map(n), [2, 3], "the restart goes on after change 1: 2 was in hand");
  } finally {
    await store.close();
  }
});

test("an iterator expired on a shard started at LATEST, before any record, loses nothing made after the start", async (t) => {
  const store = await feedStore(dynamo(), "expiredlatest");
  const counter = store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } });
  // A shard with records already (DynamoDB Local's LATEST-on-empty-shard quirk stays out of it).
  for (let i = 0; i < 3; i++) await counter.swap((c) => ({ ...c, n: c.n + 1 }));
  let expire = false;
  const { reader, close: closeReader } = readerWith(
    store.table,
    async (name, _input, next) => {
      if (name === "GetRecordsCommand" && expire) {
        expire = false;
        // The reader was paused (>15 min); a change was made meanwhile; its iterator expired.
        await counter.swap((c) => ({ ...c, n: 100 }));
        throw streamsError("ExpiredIteratorException", "Iterator expired");
      }
      return next();
    },
    "expireOnce",
  );
  try {
    const gaps: Gap[] = [];
    const feed = reader.changes({ atoms: [Counter], from: "latest", onGap: (g) => gaps.push(g) });
    await feed.ready();
    expire = true;
    while (expire) await sleep(20);
    await sleep(200);
    await counter.swap((c) => ({ ...c, n: 200 }));
    const seen = await collect(feed, (s) => s.some((c) => n(c) === 200), 10_000);
    // Records stamped within a minute before the start may come too (DynamoDB Local stamps
    // them to the minute): 1, 2, 3 here, in order; nothing made after the start is missing.
    const values = seen.map(n);
    t.deepEqual(values.slice(-2), [100, 200], `gaps reported: ${JSON.stringify(gaps)}`);
    t.deepEqual(values.slice(0, -2), [1, 2, 3].slice(3 - (values.length - 2)));
  } finally {
    await closeReader();
    await store.close();
  }
});

/** A table with counter x at n = 1…10, and a reader whose stream shows a parent (1…5) and children (6…10). */
async function splitSetup(label: string) {
  const { store, at } = await splitTable(dynamo(), label);
  const faults: StreamFaults = {
    split: { at },
    seen: { getRecords: 0, expired: 0, trimmed: 0, iterators: [] },
  };
  const streams = faultyStreams(dynamo().endpoint, faults);
  const ddb = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  const reader = createStore({
    table: store.table,
    atoms: WRITTEN,
    client: ddb,
    streamsClient: streams,
  });
  const close = async () => {
    await reader.close();
    streams.destroy();
    ddb.destroy();
    await store.close();
  };
  return { store, reader, ddb, at, close };
}

const isLeaseQuery = (name: string, input: Record<string, unknown>) =>
  name === "QueryCommand" &&
  JSON.stringify(input.ExpressionAttributeValues ?? {}).includes("dynatom.changes#");
const isShardEnd = (name: string, input: Record<string, unknown>) =>
  name === "UpdateItemCommand" &&
  JSON.stringify(input.ExpressionAttributeValues ?? {}).includes('"SHARD_END"');

test("a shard finished while a round reads the leases is not read again: no acknowledged change comes twice or out of order", async (t) => {
  const { reader, ddb, close } = await splitSetup("settlerace");
  let arm = false;
  const captured = deferred();
  const gate = deferred();
  const shardEnd = deferred();
  intercept(
    ddb,
    async (name, input, next) => {
      if (isLeaseQuery(name, input) && arm) {
        arm = false;
        const out = await next(); // the leases as they are now…
        captured.resolve();
        await gate.promise; // …handed to the round only after the parent is finished
        return out;
      }
      const out = await next();
      if (isShardEnd(name, input)) shardEnd.resolve();
      return out;
    },
    "staleRound",
  );
  try {
    const feed = reader.changes({
      atoms: [Counter],
      from: "trim-horizon",
      group: "g",
      leaseMs: 600,
    });
    const seen: unknown[] = [];
    let r = await feed.next();
    seen.push(n(r.value));
    r = await feed.next(); // holding change 2, change 1 acknowledged
    seen.push(n(r.value));
    await sleep(400); // a renewal writes the checkpoint (change 1)
    arm = true;
    await captured.promise; // a round's lease query is answered (parent held by us, checkpoint 1)
    for (let i = 0; i < 3; i++) {
      r = await feed.next();
      seen.push(n(r.value)); // 3, 4, 5: the parent's last
    }
    const after = feed.next(); // acknowledges 5: the parent is finished, SHARD_END written
    await shardEnd.promise;
    gate.resolve();
    r = await after;
    seen.push(n(r.value));
    while (!r.done && n(r.value) !== 10) {
      r = await Promise.race([
        feed.next(),
        sleep(10_000).then(() => ({ done: true, value: undefined }) as const),
      ]);
      if (!r.done) seen.push(n(r.value));
    }
    await feed.return();
    t.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  } finally {
    gate.resolve();
    await close();
  }
});

test("the SHARD_END write of a shard finished by break is over when the loop ends, and its failure is not an unhandled rejection", async (t) => {
  const { reader, ddb, at, close } = await splitSetup("settleleak");
  let inFlight = false;
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);
  process.on("unhandledRejection", onUnhandled);
  intercept(
    ddb,
    async (name, input, next) => {
      if (isShardEnd(name, input)) {
        inFlight = true;
        await sleep(500);
        inFlight = false;
        throw Object.assign(new Error("The write failed"), {
          name: "ValidationException",
          $fault: "client",
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next();
    },
    "failShardEnd",
  );
  try {
    const seen: unknown[] = [];
    let threw: unknown;
    try {
      for await (const change of reader.changes({
        atoms: [Counter],
        from: "trim-horizon",
        group: "g",
      })) {
        seen.push(n(change));
        if (change.sequence === at) break; // the parent's last change
      }
    } catch (err) {
      threw = err;
    }
    const stillSending = inFlight;
    await sleep(1_000);
    t.deepEqual(seen, [1, 2, 3, 4, 5]);
    t.regex(String(threw), /The write failed/, "the loop's end reports the failed write");
    t.false(stillSending, "no request of the feed is in flight once the loop has ended");
    t.deepEqual(
      unhandled.map(String),
      [],
      `the loop itself ${threw === undefined ? "ended cleanly" : `threw ${String(threw)}`}`,
    );
  } finally {
    process.off("unhandledRejection", onUnhandled);
    await close();
  }
});

test("decodeStreamRecord: an image with an odd attribute value (null) is a DecodeError, not a TypeError", (t) => {
  const keys = { pk: { S: "$dynatom#name_x" }, sk: { S: "$counter_1" } };
  const image = { ...keys, name: { S: "x" }, n: null } as never;
  const err = t.throws(() =>
    decodeStreamRecord(
      {
        eventName: "MODIFY",
        dynamodb: { Keys: keys, NewImage: image, OldImage: image, SequenceNumber: "1" },
      },
      [Counter],
    ),
  );
  t.true(err instanceof DecodeError, `${err?.constructor.name}: ${err?.message}`);
});
