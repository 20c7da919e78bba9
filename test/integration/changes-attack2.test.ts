// Second attack on the change feed: groups of several readers in one process (takeover, fencing,
// fair share), delayed answers on lease writes, LATEST starts, watchRemote and `dynatom tail`.
// Each test states a guarantee of README "### Change feed" and a sequence of events, made
// deterministic by middleware on real clients, under which it fails.
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { type Change, createStore } from "dynatom";
import { localClientConfig } from "dynatom/local";
import { Counter } from "../helpers/atoms.js";
import {
  collect,
  feedStore,
  splitReader,
  splitTable,
  WRITTEN,
} from "../helpers/change-workload.js";
import { deferred, intercept } from "../helpers/intercept.js";
import { drain, type LeaseRow, leasesOf, readerOf, until } from "../helpers/lease-rows.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const n = (c: unknown) => (c as Change<typeof Counter>).new?.n;

/** A renewal of a held lease (not a release): what the feed's ticks send. */
const isRenewal = (name: string, input: Record<string, unknown>) =>
  name === "UpdateItemCommand" &&
  String(input.ConditionExpression) === "#h = :h" &&
  !String(input.UpdateExpression).includes("REMOVE");
const carriesCheckpoint = (input: Record<string, unknown>) =>
  (input.ExpressionAttributeValues as Record<string, unknown>)[":cp"] !== undefined;

// ---------------------------------------------------------------------------------------------

test.serial(
  "a group started at LATEST: the signal ends the feed without acknowledging the change in hand, which comes again to the group",
  async (t) => {
    const store = await feedStore(dynamo(), "latestsignal");
    try {
      const counter = store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } });
      await counter.swap((c) => ({ ...c, n: 1 })); // the shard is not empty (DynamoDB Local quirk)
      const abort = new AbortController();
      const feed = store.changes({
        atoms: [Counter],
        from: "latest",
        group: "g",
        signal: abort.signal,
      });
      await feed.ready();
      await counter.swap((c) => ({ ...c, n: 2 }));
      await counter.swap((c) => ({ ...c, n: 3 }));
      const first = await feed.next();
      t.is(n(first.value), 2);
      abort.abort(); // change 2 is in hand, not acknowledged
      t.true((await feed.next()).done);
      const again = store.changes({ atoms: [Counter], group: "g" });
      await again.ready();
      await counter.swap((c) => ({ ...c, n: 4 }));
      const seen = await collect(again, (s) => s.some((c) => n(c) === 4), 10_000);
      t.deepEqual(
        seen.map(n),
        [2, 3, 4],
        "the group's lease still says LATEST: its next reader skips 2 (in hand at the abort) and 3 (never handled)",
      );
    } finally {
      await store.close();
    }
  },
);

/**
 * Reader A (its own DynamoDB client, to hold its requests) and reader B of group g on one table
 * whose counter x went 1, 2, 3. leaseMs 600: renewals every 200 ms, rounds every 300 ms.
 */
async function twoReaders(label: string) {
  const store = await feedStore(dynamo(), label);
  const counter = store.atom(Counter, { name: "x" }, { init: { name: "x", n: 0 } });
  for (let i = 0; i < 3; i++) await counter.swap((c) => ({ ...c, n: c.n + 1 }));
  const ddbA = new DynamoDBClient({ ...localClientConfig(dynamo().endpoint), maxAttempts: 1 });
  const readerA = createStore({
    table: store.table,
    atoms: WRITTEN,
    client: ddbA,
    requestTimeoutMs: 60_000,
  });
  const readerB = createStore({ table: store.table, atoms: WRITTEN, endpoint: dynamo().endpoint });
  const options = { atoms: [Counter], from: "trim-horizon", group: "g", leaseMs: 600 } as const;
  const lease = async () => {
    const rows = await leasesOf(dynamo().client, store.table, "g");
    if (rows.length !== 1) throw new Error(`expected one lease, got ${JSON.stringify(rows)}`);
    return rows[0] as LeaseRow;
  };
  const close = async () => {
    await readerA.close();
    await readerB.close();
    ddbA.destroy();
    await store.close();
  };
  return { store, counter, ddbA, readerA, readerB, options, lease, close };
}

test.serial(
  "a renewal refused after a takeover, answered once the reader holds the shard again, does not leave two readers of the shard in one feed",
  async (t) => {
    const { counter, ddbA, readerA, readerB, options, lease, close } = await twoReaders("orphan");
    let arm = false;
    const held = deferred();
    const send = deferred();
    const answer = deferred();
    intercept(
      ddbA,
      async (name, input, next) => {
        if (arm && isRenewal(name, input)) {
          arm = false;
          held.resolve();
          await send.promise; // A's renewal reaches the table only once B holds the shard…
          try {
            const out = await next();
            await answer.promise; // …and its refusal comes back late
            return out;
          } catch (err) {
            await answer.promise;
            throw err;
          }
        }
        return next();
      },
      "lateRefusal",
    );
    const feedA = readerA.changes(options);
    const seenA: unknown[] = [];
    const doneA = drain(feedA, seenA);
    const feedB = readerB.changes(options);
    try {
      await until("A reads 1, 2, 3", () => seenA.length >= 3);
      const a = (await lease()).holder;
      arm = true;
      await held.promise; // A's ticks wait on this renewal: A renews nothing now
      const seenB: unknown[] = [];
      const doneB = drain(feedB, seenB);
      await until("B takes the shard over", async () => {
        const h = (await lease()).holder;
        return h !== undefined && readerOf(h) !== readerOf(a);
      });
      send.resolve(); // refused: B holds it
      await sleep(100);
      await feedB.return(); // B ends: it releases the lease
      await doneB;
      await until(
        "A takes the shard again",
        async () => readerOf((await lease()).holder) === readerOf(a),
      );
      answer.resolve(); // the old run's refusal: #lose(old run) deletes the new run from #runs
      await sleep(1_500); // a few rounds: the lease is A's and no run is listed, so one more starts
      const before = seenA.length;
      await counter.swap((c) => ({ ...c, n: 100 }));
      await sleep(2_000);
      const after = seenA.slice(before).map(n);
      t.deepEqual(after, [100], "A delivers change 100 once");
    } finally {
      send.resolve();
      answer.resolve();
      await feedA.return();
      await doneA;
      await feedB.return();
      await close();
    }
  },
);

test.serial(
  "a renewal sent late, after the reader lost and took the shard again, does not write its old checkpoint over the newer one",
  async (t) => {
    const { ddbA, readerA, readerB, options, lease, close } = await twoReaders("aba");
    let arm = false;
    const held = deferred();
    const send = deferred();
    const sent = deferred();
    intercept(
      ddbA,
      async (name, input, next) => {
        if (arm && isRenewal(name, input) && carriesCheckpoint(input)) {
          arm = false;
          held.resolve();
          await send.promise; // A's renewal with checkpoint "1" is delayed on its way
          try {
            return await next();
          } finally {
            sent.resolve();
          }
        }
        return next();
      },
      "lateRenewal",
    );
    const feedA = readerA.changes(options);
    const feedB = readerB.changes(options);
    try {
      arm = true;
      const one = await feedA.next();
      const two = await feedA.next(); // acknowledges 1; 2 stays in hand
      t.deepEqual([n(one.value), n(two.value)], [1, 2]);
      await held.promise;
      const a = (await lease()).holder;
      // B takes over (A renews nothing), reads 1, 2, 3, and ends: checkpoint 3, lease released.
      const seenB = await collect(feedB, (s) => s.some((c) => n(c) === 3), 10_000);
      t.deepEqual(seenB.map(n), [1, 2, 3]);
      // B's checkpoint: 3, or a later record it skipped (the lease items' own writes).
      const written = (await lease()).checkpoint as string;
      t.true(BigInt(written) >= BigInt((seenB[2] as Change).sequence), "B's checkpoint is written");
      await until(
        "A takes the shard again",
        async () => readerOf((await lease()).holder) === readerOf(a),
      );
      send.resolve(); // the old renewal arrives: holder = A holds again
      await sent.promise;
      // Checked at once: A's new run heals it as soon as it checkpoints records of its own (the
      // lease items' writes are records too), but a crash (or an end) before that leaves it.
      const last = (await lease()).checkpoint as string;
      t.true(
        BigInt(last) >= BigInt(written),
        `the group's checkpoint went back from ${written} (B's) to ${last} (A's stale 1: ${(one.value as Change).sequence})`,
      );
    } finally {
      send.resolve();
      await feedA.return();
      await feedB.return();
      await close();
    }
  },
);

test.serial(
  "two readers of a group, both running before the shards are ready, share them: each holds one of two",
  async (t) => {
    const { store, at } = await splitTable(dynamo(), "share");
    const mk = () => splitReader(dynamo(), store.table, at);
    const one = mk();
    const two = mk();
    const options = { atoms: [Counter], from: "trim-horizon", group: "g", leaseMs: 600 } as const;
    const feeds = [one.reader.changes(options), two.reader.changes(options)];
    const seen: unknown[][] = [[], []];
    const done = feeds.map((feed, i) => drain(feed, seen[i] as unknown[]));
    try {
      await until("all ten changes", () => seen.flat().length >= 10, 20_000);
      await sleep(2_000); // several rounds of both
      const rows = await leasesOf(dynamo().client, store.table, "g");
      const children = rows.filter((r) => r.sk.includes("virtual-child"));
      t.is(children.length, 2);
      t.is(
        new Set(children.map((r) => readerOf(r.holder))).size,
        2,
        `child leases: ${JSON.stringify(children)}; a reader that holds no lease counts as no live reader`,
      );
    } finally {
      for (const feed of feeds) await feed.return();
      await Promise.all(done);
      await one.reader.close();
      await two.reader.close();
      one.streams.destroy();
      two.streams.destroy();
      await store.close();
    }
  },
);

test.serial(
  "dynatom tail stops on Ctrl-C while its output is blocked (a reader that stopped reading the pipe)",
  async (t) => {
    const { mkdtemp, mkdir, copyFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { fileURLToPath } = await import("node:url");
    const { Writable, PassThrough } = await import("node:stream");
    const { main } = await import("../../cli/main.js");
    const { Counter: CliCounter } = await import("../fixtures/codegen/expected.gen.js");
    const corpus = fileURLToPath(new URL("../fixtures/codegen/", import.meta.url));
    const dir = await mkdtemp(join(tmpdir(), "dynatom-tail-"));
    await mkdir(join(dir, "atoms"));
    for (const name of ["counter.atom.json"]) {
      await copyFile(join(corpus, name), join(dir, "atoms", name));
    }
    const table = dynamo().tableName("tailblocked");
    const store = createStore({ table, atoms: [CliCounter], endpoint: dynamo().endpoint });
    await store.ensureTable();
    const hits = store.atom(CliCounter, { name: "hits" }, { init: { name: "hits", n: 0 } });
    for (let i = 0; i < 3; i++) await hits.swap((c) => ({ ...c, n: c.n + 1 }));
    let writes = 0;
    const stdout = new Writable({
      highWaterMark: 1,
      write(_chunk, _encoding, _callback) {
        writes++; // never done: the pipe's reader stopped reading
      },
    });
    const controller = new AbortController();
    const io = {
      stdout,
      stderr: new PassThrough(),
      env: process.env,
      cwd: dir,
      signal: controller.signal,
    };
    try {
      const run = main(
        [
          "tail",
          "counter",
          "--table",
          table,
          "--atoms",
          join(dir, "atoms"),
          "--endpoint",
          dynamo().endpoint,
          "--from",
          "trim-horizon",
        ],
        io,
      );
      let ended: unknown;
      void run.then((code) => {
        ended = code;
      });
      let err = "";
      io.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      await until("tail writes its first line", () => {
        if (ended !== undefined) throw new Error(`tail ended ${String(ended)}: ${err}`);
        return writes >= 1;
      });
      controller.abort("SIGINT"); // Ctrl-C
      const outcome = await Promise.race([run, sleep(5_000).then(() => "still running")]);
      t.is(outcome, 0, "tail exits 0 on Ctrl-C");
    } finally {
      await store.close();
    }
  },
);
