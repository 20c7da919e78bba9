// Third attack on the change feed: balancing between live readers (once by stealing, now by
// presence), per-take holders, ready() and lost answers, slow renewals, a failing SHARD_END.
// Each test states a guarantee of README "### Change feed" and a sequence of events, made
// deterministic by middleware on real clients, under which it failed once.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { _Record, DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import test from "ava";
import { type Change, createStore } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { Counter, Register } from "../helpers/atoms.js";
import { feedStore, splitReader, splitTable, WRITTEN } from "../helpers/change-workload.js";
import { intercept } from "../helpers/intercept.js";
import { drain, leasesOf, readerOf, until } from "../helpers/lease-rows.js";
import { answered } from "../helpers/sdk-errors.js";
import { faultyStreams, type StreamFaults } from "../helpers/stream-faults.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const n = (c: unknown) => (c as Change<typeof Counter>).new?.n;

/**
 * The stream as real DynamoDB shows a shard no lease item hashes to: the lease items' own writes
 * (which DynamoDB Local puts in the one shard every item shares) are left out of GetRecords.
 */
function _withoutLeaseRecords(streams: DynamoDBStreamsClient, name: string): void {
  intercept(
    streams,
    async (command, _input, next) => {
      const out = await next();
      if (command === "GetRecordsCommand") {
        const output = out.output as { Records?: _Record[] };
        output.Records = (output.Records ?? []).filter(
          (r) => !(r.dynamodb?.Keys?.pk?.S ?? "").startsWith("dynatom.changes#"),
        );
      }
      return out;
    },
    name,
  );
}

// ---------------------------------------------------------------------------------------------

test.serial(
  "a new group at LATEST whose first take's answer is lost: ready() waits for the shard, and a change made after ready() arrives",
  async (t) => {
    const store = await feedStore(dynamo(), "readylost");
    const counter = store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } });
    await counter.swap((c) => ({ ...c, n: 1 })); // the shard is not empty (DynamoDB Local quirk)
    const ddb = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
    let lost = 0;
    intercept(
      ddb,
      async (name, input, next) => {
        const out = await next();
        if (lost === 0 && name === "UpdateItemCommand" && input.ConditionExpression === "#c = :c") {
          lost++;
          throw answered("InternalServerError", 500); // the take is made; its answer is lost
        }
        return out;
      },
      "lostTake",
    );
    const reader = createStore({ table: store.table, atoms: WRITTEN, client: ddb });
    const feed = reader.changes({ atoms: [Counter], from: "latest", group: "g", leaseMs: 600 });
    try {
      await feed.ready();
      t.is(lost, 1);
      await counter.swap((c) => ({ ...c, n: 2 })); // made after ready()
      await sleep(1_000);
      await counter.swap((c) => ({ ...c, n: 3 }));
      const seen: unknown[] = [];
      const timer = setTimeout(() => void feed.return(), 8_000);
      for await (const change of feed) {
        seen.push(change);
        if (n(change) === 3) break;
      }
      clearTimeout(timer);
      t.deepEqual(seen.map(n), [2, 3], "change 2, made after ready(), is delivered");
    } finally {
      await feed.return();
      await reader.close();
      ddb.destroy();
      await store.close();
    }
  },
);

/** A renewal of a held lease (not a release): what the feed's ticks send. */
const isRenewal = (name: string, input: Record<string, unknown>) =>
  name === "UpdateItemCommand" &&
  String(input.ConditionExpression) === "#h = :h" &&
  !String(input.UpdateExpression).includes("REMOVE");

test.serial(
  "a reader whose own renewal is slow does not take its own lease again: each change arrives once, in order",
  async (t) => {
    const store = await feedStore(dynamo(), "selftake");
    const counter = store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } });
    for (let i = 0; i < 3; i++) await counter.swap((c) => ({ ...c, n: c.n + 1 }));
    const ddb = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
    let arm = false;
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    intercept(
      ddb,
      async (name, input, next) => {
        if (arm && isRenewal(name, input)) {
          arm = false;
          await held; // one renewal takes 1.5 s (leaseMs 600): the lease's counter stands still
        }
        return next();
      },
      "slowRenewal",
    );
    const reader = createStore({ table: store.table, atoms: WRITTEN, client: ddb });
    const feed = reader.changes({
      atoms: [Counter],
      from: "trim-horizon",
      group: "g",
      leaseMs: 600,
    });
    const seen: unknown[] = [];
    const done = drain(feed, seen);
    try {
      await until("1, 2, 3", () => seen.length >= 3);
      arm = true;
      await until("a renewal is held", () => !arm);
      await sleep(1_000); // the rounds see the counter still for ≥ leaseMs: the reader's own lease is "dead"
      await counter.swap((c) => ({ ...c, n: 100 }));
      await sleep(500);
      release();
      await sleep(1_500); // the held renewal is refused: its run stops
      await counter.swap((c) => ({ ...c, n: 200 }));
      await sleep(1_500);
      const times = (k: number) => seen.filter((c) => n(c) === k).length;
      t.is(times(200), 1, `changes: ${seen.map(n)}: a run no longer listed goes on for good`);
      t.is(times(100), 1, `changes: ${seen.map(n)}`);
    } finally {
      release();
      await feed.return();
      await done;
      await reader.close();
      ddb.destroy();
      await store.close();
    }
  },
);

test.serial(
  "a reader that joins a busy group takes no live reader's shard: under a steady flow, no change is handled by both",
  async (t) => {
    const { store, at } = await splitTable(dynamo(), "stealdup");
    const counter = store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } });
    const mk = () => splitReader(dynamo(), store.table, at);
    const a = mk();
    const b = mk();
    const options = {
      atoms: [Counter],
      from: "trim-horizon",
      group: "g",
      leaseMs: 3_000,
    } as const;
    const feedA = a.reader.changes(options);
    const feedB = b.reader.changes(options);
    const seenA: unknown[] = [];
    const seenB: unknown[] = [];
    let doneB: Promise<unknown> | undefined;
    const doneA = drain(feedA, seenA);
    let writing = true;
    let last = 1_000;
    const writer = (async () => {
      while (writing) {
        await counter.swap((c) => ({ ...c, n: ++last }));
        await sleep(40);
      }
    })();
    try {
      await until("A reads the ten first", () => seenA.length >= 10);
      const holderA = readerOf(
        (await leasesOf(dynamo().client, store.table, "g")).find((r) =>
          r.sk.endsWith("virtual-child-1"),
        )?.holder,
      );
      doneB = drain(feedB, seenB);
      await sleep(2 * options.leaseMs); // rounds of both: once, B took a shard of A's here
      t.is(
        readerOf(
          (await leasesOf(dynamo().client, store.table, "g")).find((r) =>
            r.sk.endsWith("virtual-child-1"),
          )?.holder,
        ),
        holderA,
        "A keeps child 1",
      );
      await sleep(500);
      writing = false;
      await writer;
      await until("the last change is read", () => [...seenA, ...seenB].some((c) => n(c) === last));
      const inA = new Set(seenA.map(n));
      const both = seenB.map(n).filter((v) => inA.has(v));
      t.deepEqual(both, [], "changes handled by both readers, neither of which crashed");
    } finally {
      writing = false;
      await writer;
      await feedA.return();
      await feedB.return();
      await doneA;
      await doneB;
      await a.reader.close();
      await b.reader.close();
      a.streams.destroy();
      b.streams.destroy();
      await store.close();
    }
  },
);

test.serial(
  "a shard read to its end with nothing pending (every record skipped): a failing SHARD_END write is reported by the loop",
  async (t) => {
    const { store, at } = await splitTable(dynamo(), "settleread");
    const faults: StreamFaults = {
      split: { at },
      seen: { getRecords: 0, expired: 0, trimmed: 0, iterators: [] },
    };
    const streams = faultyStreams(dynamo().endpoint, faults);
    const ddb = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
    let failed = 0;
    intercept(
      ddb,
      async (name, input, next) => {
        if (
          name === "UpdateItemCommand" &&
          JSON.stringify(input.ExpressionAttributeValues ?? {}).includes('"SHARD_END"')
        ) {
          failed++;
          throw answered("ValidationException", 400); // the SHARD_END write fails
        }
        return next();
      },
      "failShardEnd",
    );
    const reader = createStore({
      table: store.table,
      atoms: WRITTEN,
      client: ddb,
      streamsClient: streams,
    });
    // Only Register is followed: the parent's records (Counter's) are all skipped.
    const feed = reader.changes({ atoms: [Register], from: "trim-horizon", group: "g" });
    try {
      const next = feed.next().then(
        () => "a change",
        (err: unknown) => `threw ${String(err)}`,
      );
      await until("the SHARD_END write fails", () => failed > 0);
      const outcome = await Promise.race([next, sleep(3_000).then(() => "still waiting")]);
      const ended = await feed.return().then(
        () => "ended cleanly",
        (err: unknown) => `threw ${String(err)}`,
      );
      // Reported once, by the loop; the lease is then a dead reader's, taken over after leaseMs.
      t.regex(outcome, /^threw .*ValidationException/, `SHARD_END writes tried ${failed} times`);
      t.is(ended, "ended cleanly");
    } finally {
      await feed.return().catch(() => {});
      await reader.close();
      streams.destroy();
      ddb.destroy();
      await store.close();
    }
  },
);

test.serial("after return() no run of the feed polls the stream", async (t) => {
  const store = await feedStore(dynamo(), "orphan3");
  const counter = store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } });
  for (let i = 0; i < 3; i++) await counter.swap((c) => ({ ...c, n: c.n + 1 }));
  const ddb = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  const streams = faultyStreams(dynamo().endpoint, {
    seen: { getRecords: 0, expired: 0, trimmed: 0, iterators: [] },
  });
  let polls = 0;
  intercept(
    streams,
    async (name, _input, next) => {
      if (name === "GetRecordsCommand") polls++;
      return next();
    },
    "countPolls",
  );
  let arm = false;
  let release = () => {};
  const held = new Promise<void>((r) => {
    release = r;
  });
  intercept(
    ddb,
    async (name, input, next) => {
      if (arm && isRenewal(name, input)) {
        arm = false;
        await held;
      }
      return next();
    },
    "slowRenewal2",
  );
  const reader = createStore({
    table: store.table,
    atoms: WRITTEN,
    client: ddb,
    streamsClient: streams,
  });
  const feed = reader.changes({
    atoms: [Counter],
    from: "trim-horizon",
    group: "g",
    leaseMs: 600,
  });
  const seen: unknown[] = [];
  const done = drain(feed, seen);
  try {
    await until("1, 2, 3", () => seen.length >= 3);
    arm = true;
    await until("a renewal is held", () => !arm);
    await sleep(1_500); // two takes of its own lease: the first one's run is replaced
    release();
    await sleep(500);
    await feed.return();
    await done;
    const before = polls;
    await sleep(500);
    t.is(
      polls - before,
      0,
      `GetRecords calls in the 500 ms after the feed ended; changes: ${seen.map(n)}`,
    );
  } finally {
    release();
    await feed.return();
    await reader.close();
    ddb.destroy();
    streams.destroy();
    await store.close();
  }
});
