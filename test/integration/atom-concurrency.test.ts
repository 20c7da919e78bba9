import test from "ava";
import { createStore } from "dynatom";
import { Counter } from "../helpers/atoms.js";
import { matchOperations, startFaultProxy } from "../helpers/fault-proxy.js";
import { checkCounterHistory, type Op } from "../helpers/linearizable.js";
import { runSwappers } from "../helpers/swappers.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

let table = "";
test.before(async () => {
  table = dynamo().tableName("counters");
  await createStore({ table, atoms: [Counter], client: dynamo().client }).ensureTable({
    stream: false,
  });
});

const read = async (name: string) =>
  (
    await createStore({ table, atoms: [Counter], client: dynamo().client })
      .atom(Counter, { name })
      .deref()
  )?.n;

test("8 processes × 200 swaps end exactly at 1,600; unconditional read-then-write loses updates", async (t) => {
  const processes = 8;
  const count = 200;
  const endpoint = dynamo().endpoint;
  const [atoms] = await Promise.all([
    runSwappers(processes, {
      endpoint,
      table,
      name: "safe",
      count,
      mode: "atom",
      maxAttempts: 10_000,
    }),
    runSwappers(processes, { endpoint, table, name: "unsafe", count, mode: "unsafe" }),
  ]);
  t.is(
    atoms.reduce((sum, r) => sum + r.outcomes.ok, 0),
    processes * count,
    "every swap reported success",
  );
  t.is(await read("safe"), processes * count);
  const lost = processes * count - ((await read("unsafe")) ?? 0);
  t.log(`the unsafe control lost ${lost} of ${processes * count} updates`);
  t.true(lost > 0, "the control must lose updates, or this test could not fail");
  const puts = atoms.reduce((sum, r) => sum + r.sent.put, 0);
  t.log(`conditional writes per swap under contention: ${(puts / (processes * count)).toFixed(2)}`);
});

test("with 20% of write responses lost after commit, 8 processes apply every swap exactly once, linearizably", async (t) => {
  const processes = 8;
  const count = 60;
  const proxy = await startFaultProxy({
    target: dynamo().endpoint,
    dropRate: 0.2,
    seed: 7,
    match: matchOperations("PutItem"),
  });
  try {
    const results = await runSwappers(processes, {
      endpoint: proxy.endpoint,
      table,
      name: "lossy",
      count,
      mode: "atom",
      readEvery: 5,
      maxAttempts: 10_000,
    });
    const { dropped } = proxy.stats();
    t.log(`responses dropped after commit: ${dropped}`);
    t.true(dropped > 20, "the proxy must lose responses, or this test could not fail");
    const final = (await read("lossy")) ?? 0;
    const ops = results.flatMap((r) => r.ops) as unknown as Op[];
    const ok = ops.filter((op) => op.kind === "add" && op.ok === true).length;
    const unknown = ops.filter((op) => op.kind === "add" && op.ok === "unknown").length;
    const failed = ops.filter((op) => op.kind === "add" && op.ok === false);
    t.log(
      `swaps: ${ok} reported applied, ${unknown} unknown, ${failed.length} failed; counter ${final}`,
    );
    t.deepEqual(failed, [], "no swap is reported failed");
    t.true(
      final >= ok && final <= ok + unknown,
      `counter ${final} vs ${ok} applied + ${unknown} unknown`,
    );
    if (unknown === 0) t.is(final, processes * count);
    const verdict = checkCounterHistory(ops, 0, final, { slack: 2 });
    t.true(verdict.linearizable, verdict.reason);
  } finally {
    await proxy.close();
  }
});

test("8 processes × 4 handles, 20% of write answers lost after commit: exact, linearizable, no unknown outcome", async (t) => {
  const processes = 8;
  const handles = 4;
  const count = 15;
  const proxy = await startFaultProxy({
    target: dynamo().endpoint,
    dropRate: 0.2,
    seed: 11,
    match: matchOperations("PutItem"),
  });
  // The atom exists, as a hot atom does. A lost answer to the write that CREATES an item can stay
  // unknown: an absent item can come back after a delete, so nothing names that state.
  await createStore({ table, atoms: [Counter], client: dynamo().client })
    .atom(Counter, { name: "lossy-combined" })
    .reset({ name: "lossy-combined", n: 0 });
  try {
    const results = await runSwappers(processes, {
      endpoint: proxy.endpoint,
      table,
      name: "lossy-combined",
      count,
      handles,
      mode: "atom",
      readEvery: 5,
      maxAttempts: 10_000,
    });
    const { dropped } = proxy.stats();
    t.true(dropped > 10, `the proxy must lose responses, or this test could not fail (${dropped})`);
    const final = (await read("lossy-combined")) ?? 0;
    const ops = results.flatMap((r) => r.ops) as unknown as Op[];
    const adds = ops.filter((op) => op.kind === "add");
    const unknown = adds.filter((op) => op.ok === "unknown");
    const failed = adds.filter((op) => op.ok === false);
    const puts = results.reduce((sum, r) => sum + r.sent.put, 0);
    t.log(
      `${adds.length} swaps in ${puts} conditional writes; ${dropped} answers dropped; counter ${final}`,
    );
    t.deepEqual(failed, [], "no swap is reported failed");
    t.deepEqual(unknown, [], "a lost answer is settled at once, never left unknown");
    t.is(final, processes * handles * count);
    const verdict = checkCounterHistory(ops, 0, final, { slack: 2 });
    t.true(verdict.linearizable, verdict.reason);
  } finally {
    await proxy.close();
  }
});
