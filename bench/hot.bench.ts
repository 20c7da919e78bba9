// Hot atoms: many writers on ONE atom, against the hand-written loop of bench/hand-written.ts
// (plain item with a version, conditional PutItem, ALL_OLD, full jitter 2 ms..200 ms) run by as
// many concurrent loops. Rows: 16 handles in one process (goodput), 64 callers in one process
// (logical swaps per PutItem: 1.00 until concurrent swaps are combined into one write), 4
// processes × 4 handles (goodput, start-up untimed), and the bookkeeping bytes of a hot item.
// The atoms back off as the hand-written loop does (bench/hot-atom.ts): same strategy, same policy.
// Every run swaps a counter of its own, from absent. A run takes seconds: few rounds.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type AttributeValue, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { createStore, itemSize } from "dynatom";
import {
  ATOM_VERSION_ATTRIBUTE,
  BOOKKEEPING_ATTRIBUTES,
  WRITE_IDS_ATTRIBUTE,
} from "../src/schema/bookkeeping.js";
import { handSwaps, plainKey } from "./hand-written.js";
import { type BenchCase, countingPuts, defineSuite, sameClient } from "./harness.js";
import { CONTENDED_RETRY, HotCounter } from "./hot-atom.js";
import type { WorkerArgs, WorkerReport } from "./hot-worker.js";

const quick = process.env.BENCH_QUICK === "1";
/** Rounds of this suite (bench/run.ts reads it). */
export const rounds = quick ? 2 : 5;

const HANDLES = 16;
const SWAPS_EACH = 10;
const CALLERS = 64;
const PROCESSES = 4;
const PER_PROCESS = 4;

/** The times and requests of one kind of run, for the notes. */
class Tally {
  readonly ms: number[] = [];
  requests = 0;
  puts = 0;
  swaps = 0;
  /** Counter values that came out wrong (a lost or doubled swap): must stay 0. */
  wrong = 0;

  add(ms: number, swaps: number, requests: number, puts: number) {
    this.ms.push(ms);
    this.swaps += swaps;
    this.requests += requests;
    this.puts += puts;
  }

  /** Swaps per second at the median run. */
  goodput(swapsPerRun: number): string {
    const sorted = [...this.ms].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    return median ? `goodput ${((swapsPerRun / median) * 1000).toFixed(0)} swaps/s` : "";
  }

  perSwap(): string {
    if (this.swaps === 0) return "";
    return (
      `${(this.requests / this.swaps).toFixed(2)} requests/swap, ` +
      `${(this.swaps / this.puts).toFixed(2)} swaps/PutItem` +
      (this.wrong ? `, ${this.wrong} WRONG COUNTS` : "")
    );
  }
}

/** Runs `processes` workers to the end; the milliseconds from the first start to the last end. */
async function inProcesses(args: Omit<WorkerArgs, "name">, name: string, tally: Tally) {
  const script = fileURLToPath(new URL("./hot-worker.ts", import.meta.url));
  const children = Array.from({ length: PROCESSES }, () =>
    spawn(
      process.execPath,
      ["--import=tsx", "--conditions=dynatom-source", script, JSON.stringify({ ...args, name })],
      { stdio: ["pipe", "pipe", "inherit"] },
    ),
  );
  try {
    const outputs = children.map((child) =>
      createInterface({ input: child.stdout })[Symbol.asyncIterator](),
    );
    const line = async (i: number) => {
      const next = await outputs[i]?.next();
      if (next === undefined || next.done) throw new Error("a hot-atom worker stopped early");
      return JSON.parse(next.value) as unknown;
    };
    await Promise.all(children.map((_, i) => line(i)));
    for (const child of children) child.stdin.write("go\n");
    const reports = (await Promise.all(children.map((_, i) => line(i)))) as WorkerReport[];
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, "exit") : 0)));
    const ms = Math.max(...reports.map((r) => r.end)) - Math.min(...reports.map((r) => r.start));
    const sum = (key: "requests" | "puts") => reports.reduce((total, r) => total + r[key], 0);
    tally.add(ms, PROCESSES * args.loops * args.swaps, sum("requests"), sum("puts"));
    return ms;
  } finally {
    // Only on failure is one still running: end exactly the workers started here.
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}

export default defineSuite({
  name: "hot",
  async setup({ client, table }) {
    const endpoint = await client.config.endpoint?.();
    const url = endpoint ? `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}` : "";
    // Each side its own client, so that each counts only its own requests.
    const atomsClient = await sameClient(client);
    const handClient = await sameClient(client);
    const sentByAtoms = countingPuts(atomsClient);
    const sentByHand = countingPuts(handClient);
    const store = createStore({
      table,
      atoms: [HotCounter],
      client: atomsClient,
      retry: CONTENDED_RETRY,
    });
    let run = 0;
    const fresh = (side: string) => `${side}-${run++}`;

    /** Checks the counter ended at `expected`: a fast but wrong side must not pass unseen. */
    async function check(side: "atoms" | "hand", name: string, expected: number, tally: Tally) {
      const key = side === "hand" ? plainKey(name) : HotCounter.keyOf({ name });
      const { Item } = await client.send(
        new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
      );
      if (Number(Item?.n?.N) !== expected) tally.wrong++;
    }

    /** Times `loops` concurrent swappers in this process, `swaps` each, on one new counter. */
    function inProcess(side: "atoms" | "hand", loops: number, swaps: number, tally: Tally) {
      return async () => {
        const sent = side === "hand" ? sentByHand : sentByAtoms;
        const name = fresh(side);
        const before = { n: sent.n, puts: sent.puts };
        const start = performance.now();
        await Promise.all(
          Array.from({ length: loops }, async () => {
            if (side === "hand") {
              await handSwaps(handClient, table, name, swaps);
              return;
            }
            const atom = store.atom(HotCounter, { name }, { init: { name, n: 0 } });
            for (let i = 0; i < swaps; i++) await atom.swap((c) => ({ ...c, n: c.n + 1 }));
          }),
        );
        const ms = performance.now() - start;
        tally.add(ms, loops * swaps, sent.n - before.n, sent.puts - before.puts);
        await check(side, name, loops * swaps, tally);
        return ms;
      };
    }

    function acrossProcesses(side: "atoms" | "hand", tally: Tally) {
      return async () => {
        const name = fresh(`${side}-procs`);
        const args = { endpoint: url, table, mode: side, loops: PER_PROCESS, swaps: SWAPS_EACH };
        const ms = await inProcesses(args, name, tally);
        await check(side, name, PROCESSES * PER_PROCESS * SWAPS_EACH, tally);
        return ms;
      };
    }

    // The bookkeeping a hot item carries: 16 handles, 20 writes each, then its attributes.
    const hotName = "bookkeeping";
    await Promise.all(
      Array.from({ length: HANDLES }, async () => {
        const atom = store.atom(HotCounter, { name: hotName }, { init: { name: hotName, n: 0 } });
        for (let i = 0; i < 20; i++) await atom.swap((c) => ({ ...c, n: c.n + 1 }));
      }),
    );
    let hotItem: Record<string, AttributeValue> = {};
    const readHot = async () => {
      const key = HotCounter.keyOf({ name: hotName });
      const { Item } = await client.send(
        new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
      );
      hotItem = Item ?? {};
    };
    await readHot();
    const bytesOf = (names: Iterable<string>) => {
      const part: Record<string, AttributeValue> = {};
      for (const name of names) if (hotItem[name] !== undefined) part[name] = hotItem[name];
      return itemSize(part);
    };

    const tallies = {
      hand16: new Tally(),
      atoms16: new Tally(),
      hand64: new Tally(),
      atoms64: new Tally(),
      handProcs: new Tally(),
      atomsProcs: new Tally(),
    };
    const hand16 = `hand-written, ${HANDLES} loops × ${SWAPS_EACH} in one process`;
    const hand64 = `hand-written, ${CALLERS} loops × 1 in one process`;
    const handProcs = `hand-written, ${PROCESSES} processes × ${PER_PROCESS} loops × ${SWAPS_EACH}`;
    const single = { perRound: 1, warmup: 1 };
    const note = (tally: Tally, swapsPerRun: number) =>
      `${tally.goodput(swapsPerRun)}, ${tally.perSwap()}`;
    const per16 = HANDLES * SWAPS_EACH;
    const perProcs = PROCESSES * PER_PROCESS * SWAPS_EACH;

    const cases: BenchCase[] = [
      {
        name: hand16,
        baseline: hand16,
        ...single,
        get note() {
          return note(tallies.hand16, per16);
        },
        run: () => 0,
        timed: inProcess("hand", HANDLES, SWAPS_EACH, tallies.hand16),
      },
      {
        name: `atoms, ${HANDLES} handles × ${SWAPS_EACH} in one process`,
        baseline: hand16,
        // At least 0.9× the hand-written loop's goodput.
        goal: 1 / 0.9,
        ...single,
        get note() {
          return note(tallies.atoms16, per16);
        },
        run: () => 0,
        timed: inProcess("atoms", HANDLES, SWAPS_EACH, tallies.atoms16),
      },
      {
        name: hand64,
        baseline: hand64,
        ...single,
        get note() {
          return note(tallies.hand64, CALLERS);
        },
        run: () => 0,
        timed: inProcess("hand", CALLERS, 1, tallies.hand64),
      },
      {
        name: `atoms, ${CALLERS} callers × 1 on one atom in one process`,
        baseline: hand64,
        ...single,
        get note() {
          return `${note(tallies.atoms64, CALLERS)} (logical swaps per DynamoDB write)`;
        },
        run: () => 0,
        timed: inProcess("atoms", CALLERS, 1, tallies.atoms64),
      },
      {
        name: handProcs,
        baseline: handProcs,
        ...single,
        get note() {
          return `${note(tallies.handProcs, perProcs)}; process start-up untimed`;
        },
        run: () => 0,
        timed: acrossProcesses("hand", tallies.handProcs),
      },
      {
        name: `atoms, ${PROCESSES} processes × ${PER_PROCESS} handles × ${SWAPS_EACH}`,
        baseline: handProcs,
        goal: 1 / 0.9,
        ...single,
        get note() {
          return `${note(tallies.atomsProcs, perProcs)}; process start-up untimed`;
        },
        run: () => 0,
        timed: acrossProcesses("atoms", tallies.atomsProcs),
      },
      {
        name: `bookkeeping of a hot item, ${HANDLES} writers × 20`,
        ...single,
        get note() {
          const protocol = bytesOf([ATOM_VERSION_ATTRIBUTE, WRITE_IDS_ATTRIBUTE]);
          const all = bytesOf(BOOKKEEPING_ATTRIBUTES);
          return (
            `${all} B of bookkeeping (${[...BOOKKEEPING_ATTRIBUTES].filter((n) => n in hotItem).join(", ")}), ` +
            `${protocol} B of it _ver and _writes, in an item of ${itemSize(hotItem)} B; goal ≤ 200 B; ` +
            "timing: one consistent GetItem"
          );
        },
        run: readHot,
      },
    ];
    return cases;
  },
});
