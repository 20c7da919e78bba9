// Three reader processes in one change-feed group: each change is handled by exactly one of them
// while all live; one killed with SIGKILL mid-stream loses its shard to another after leaseMs,
// nothing is lost, and only its unacknowledged tail is handled again.
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import test from "ava";
import { createStore } from "dynatom";
import { Counter } from "../helpers/atoms.js";
import { spawnChild } from "../helpers/children.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

interface Line {
  readonly ready?: boolean;
  readonly ended?: boolean;
  readonly id?: string;
  readonly n?: number;
  readonly seq?: string;
}

function reader(endpoint: string, table: string) {
  const child = spawnChild("change-reader", [endpoint, table, "workers", "1500"]);
  const lines: Line[] = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout as NonNullable<ChildProcess["stdout"]> }).on(
      "line",
      (text) => {
        const line = JSON.parse(text) as Line;
        lines.push(line);
        if (line.ready) resolve();
      },
    );
    child.once("exit", () => reject(new Error(`reader exited before ready: ${stderr}`)));
  });
  return {
    child,
    ready,
    handled: () => lines.filter((l) => l.seq !== undefined),
    stderr: () => stderr,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("three processes share a group; a reader killed mid-stream is taken over, nothing lost", async (t) => {
  const { endpoint, tableName } = dynamo();
  const store = createStore({ table: tableName("group"), atoms: [Counter], endpoint });
  await store.ensureTable();
  const readers = [0, 1, 2].map(() => reader(endpoint, store.table));
  try {
    await Promise.all(readers.map((r) => r.ready));
    const writes = 400;
    const all = () => readers.flatMap((r) => r.handled());
    let killed: (typeof readers)[number] | undefined;
    for (let i = 1; i <= writes; i++) {
      await store.atom(Counter, { name: `c${i % 5}` }).reset({ name: `c${i % 5}`, n: i });
      if (i % 20 === 0) await sleep(15);
      if (killed === undefined && all().length >= 150) {
        // The reader that holds the shard: the one that handled the last change.
        const last = all().at(-1)?.seq;
        killed = readers.find((r) => r.handled().some((l) => l.seq === last));
        killed?.child.kill("SIGKILL");
      }
    }
    const until = Date.now() + 60_000;
    const distinct = () => new Set(all().map((l) => l.seq)).size;
    while (distinct() < writes && Date.now() < until) await sleep(100);
    t.truthy(killed, "a reader was killed mid-stream");
    t.is(distinct(), writes, "every write was handled");
    const live = readers.filter((r) => r !== killed);
    for (const r of live) r.child.kill("SIGTERM");
    await Promise.all(live.map((r) => once(r.child, "exit")));
    // Who handled what: duplicates only where the killed reader handled it first.
    const handlers = new Map<string, number[]>();
    readers.forEach((r, i) => {
      for (const line of r.handled()) {
        handlers.set(line.seq as string, [...(handlers.get(line.seq as string) ?? []), i]);
      }
    });
    const killedIndex = readers.indexOf(killed as (typeof readers)[number]);
    const twice = [...handlers].filter(([, by]) => by.length > 1);
    t.true(
      twice.every(([, by]) => by.length === 2 && by.includes(killedIndex)),
      "no change was handled by two live readers",
    );
    const killedSeqs = (killed?.handled() ?? []).map((l) => l.seq as string);
    const repeated = new Set(twice.map(([seq]) => seq));
    const firstRepeat = killedSeqs.findIndex((s) => repeated.has(s));
    if (firstRepeat >= 0) {
      t.deepEqual(
        killedSeqs.slice(firstRepeat),
        killedSeqs.filter((s) => repeated.has(s)),
        "only the killed reader's unacknowledged tail repeats",
      );
      t.true(killedSeqs.slice(firstRepeat).every((s) => repeated.has(s)));
    }
    t.true(repeated.size <= killedSeqs.length);
    t.log(
      `handled: ${readers.map((r) => r.handled().length).join(", ")}; repeated ${repeated.size}`,
    );
  } finally {
    for (const r of readers) if (r.child.exitCode === null) r.child.kill("SIGKILL");
    await store.close();
  }
});
