import test from "ava";
import { createStore } from "dynatom";
import { Counter } from "../helpers/atoms.js";
import { runSwappers } from "../helpers/swappers.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

let table = "";
test.before(async () => {
  table = dynamo().tableName("counters");
  await createStore({ table, atoms: [Counter], client: dynamo().client }).ensureTable();
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
  const [atoms, unsafe] = await Promise.all([
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
