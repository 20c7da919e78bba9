/**
 * `npm run bench [-- name-filter]`: starts DynamoDB Local, runs every `bench/*.bench.ts` suite on
 * a table of its own, and prints one table. Ratios compare cases measured in the same run,
 * interleaved, after warm-up; absolute numbers from DynamoDB Local are not real-DynamoDB latencies.
 * BENCH_QUICK=1 runs fewer rounds (for a smoke run). A suite file whose runs take seconds may
 * export `rounds` to run fewer rounds than the others (never more).
 */
import { randomUUID } from "node:crypto";
import { readdir } from "node:fs/promises";
import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { localClientConfig, startLocal } from "dynatom/local";
import { type BenchSuite, createKeyedTable, formatTable, measure, type Row } from "./harness.js";

const quick = process.env.BENCH_QUICK === "1";
const sizes = quick
  ? { warmup: 20, rounds: 3, perRound: 20 }
  : { warmup: 300, rounds: 12, perRound: 150 };
const filter = process.argv[2];

/** A `*.bench.ts` file: its suite, and optionally its own number of rounds. */
interface BenchFile {
  readonly default: BenchSuite;
  readonly rounds?: number;
}

/** A suite's rows with each compared row under the baseline it names, whatever the cases' order. */
function grouped(rows: readonly Row[]): Row[] {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = row.baseline ?? row.name;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()].flat();
}

const local = await startLocal();
const client = new DynamoDBClient(localClientConfig(local.endpoint));
const rows: Row[] = [];
try {
  const dir = new URL(".", import.meta.url);
  const files = (await readdir(dir)).filter((f) => f.endsWith(".bench.ts")).sort();
  for (const file of files) {
    const { default: suite, rounds } = (await import(new URL(file, dir).href)) as BenchFile;
    if (filter && !suite.name.includes(filter) && !file.includes(filter)) continue;
    const table = `bench-${randomUUID().slice(0, 8)}`;
    await createKeyedTable(client, table);
    process.stderr.write(`bench: ${suite.name} …\n`);
    const cases = await suite.setup({ client, table });
    const own = { ...sizes, rounds: Math.min(rounds ?? sizes.rounds, sizes.rounds) };
    rows.push(...grouped(await measure(suite.name, cases, own)));
    await client.send(new DeleteTableCommand({ TableName: table }));
  }
} finally {
  client.destroy();
  await local.stop();
}
console.log(formatTable(rows));
