// Logs under concurrency and lost answers: 8 processes append to one log through a proxy that
// loses 20% of the answers after DynamoDB carried the request out. Every acknowledged entry
// must be in the log once, at the seq its append returned, in one order with no gaps; an append
// never lands twice.
import test from "ava";
import { createStore } from "dynatom";
import { runJsonChild } from "../helpers/children.js";
import { matchOperations, startFaultProxy } from "../helpers/fault-proxy.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

interface AppenderResult {
  readonly writer: number;
  readonly acked: { i: number; seq: number }[];
  readonly unknown: number[];
  readonly failed: { i: number; error: string }[];
}

test("8 processes append to one log with 20% of answers lost: every acknowledged entry once, in one order, no gaps", async (t) => {
  const table = dynamo().tableName("log");
  const store = createStore({ table, atoms: [], client: dynamo().client });
  t.teardown(() => store.close());
  await store.ensureTable({ stream: false });
  const proxy = await startFaultProxy({
    target: dynamo().endpoint,
    dropRate: 0.2,
    seed: 11,
    match: matchOperations("PutItem", "Query"),
  });
  const processes = 8;
  const count = 40;
  let results: AppenderResult[];
  try {
    results = await Promise.all(
      Array.from({ length: processes }, (_, writer) =>
        runJsonChild<AppenderResult>("appender", {
          endpoint: proxy.endpoint,
          table,
          namespace: "audit",
          log: "events",
          writer,
          count,
        }),
      ),
    );
  } finally {
    const { dropped } = proxy.stats();
    t.log(`answers lost after DynamoDB carried the request out: ${dropped}`);
    t.true(dropped > 20, "the proxy must lose answers, or this test could not fail");
    await proxy.close();
  }
  const entries: { seq: number; value: { writer: number; i: number } }[] = [];
  for await (const entry of store.kv("audit").log<{ writer: number; i: number }>("events")) {
    entries.push(entry);
  }
  const acked = results.flatMap((r) => r.acked.map((a) => ({ ...a, writer: r.writer })));
  const unknown = results.flatMap((r) => r.unknown.map((i) => ({ i, writer: r.writer })));
  const failed = results.flatMap((r) => r.failed);
  t.log(`${acked.length} acknowledged, ${unknown.length} unknown, ${failed.length} failed`);
  t.deepEqual(failed, [], "no append failed");
  // No gaps: seq 0, 1, 2, …
  t.deepEqual(
    entries.map((e) => e.seq),
    entries.map((_, i) => i),
  );
  // Never twice.
  const seen = new Set<string>();
  for (const { value } of entries) {
    const id = `${value.writer}/${value.i}`;
    t.false(seen.has(id), `entry ${id} is in the log twice`);
    seen.add(id);
  }
  // Every acknowledged entry, at the seq its append returned.
  for (const { writer, i, seq } of acked) {
    t.deepEqual(entries[seq]?.value, { writer, i }, `writer ${writer} entry ${i} at seq ${seq}`);
  }
  // Only acknowledged or unknown appends are there.
  t.true(entries.length >= acked.length && entries.length <= acked.length + unknown.length);
  // One order: each process's appends, made one after the other, keep their order.
  for (let writer = 0; writer < processes; writer++) {
    const mine = entries.filter((e) => e.value.writer === writer).map((e) => e.value.i);
    t.deepEqual(
      mine,
      [...mine].sort((a, b) => a - b),
      `writer ${writer}'s entries are in order`,
    );
  }
});
