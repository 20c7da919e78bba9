// dynatom export and dynatom import of 20,000 account items, each run as a user runs it (a child
// process from the sources, start-up included), next to what they compete with in the same run:
// import against putItems of the same values (same concurrency, 4), export against a plain
// paged Scan of the same items. Every write run goes into a fresh table (DynamoDB Local slows
// down as a table grows). Notes give items/s and the child's peak memory (RSS, from
// process.resourceUsage in the child). Each run takes many seconds: few rounds, no warm-up.
// BENCH_QUICK=1: 2,000 items.
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AttributeValue, ScanCommand } from "@aws-sdk/client-dynamodb";
import { type AtomDefinition, createStore } from "dynatom";
import { loadAtoms } from "../cli/atoms.js";
import { type BenchCase, defineSuite } from "./harness.js";

const quick = process.env.BENCH_QUICK === "1";
const ITEMS = quick ? 2_000 : 20_000;
export const rounds = quick ? 1 : 2;

const root = new URL("../", import.meta.url);
const bin = fileURLToPath(new URL("cli/bin.ts", root));
const rssHook = fileURLToPath(new URL("bench/max-rss.ts", root));
const atomsPath = fileURLToPath(new URL("test/fixtures/cli-io/", root));

function account(batch: string, i: number) {
  return {
    tenant: `t${i % 13}`,
    id: `${batch}-${i}`,
    email: `user${i}@example.com`,
    balance: 10n ** 30n + BigInt(i),
    createdAt: new Date(1_700_000_000_000 + i * 1_000),
    score: i / 7,
    tags: new Set(["vip", `tier-${i % 4}`]),
    prefs: new Map<string, unknown>([
      ["theme", i % 2 ? "dark" : "light"],
      ["since", new Date(i * 86_400_000)],
    ]),
    ...(i % 3 === 0 ? { avatar: new Uint8Array([i % 256, 0, 255, 10]) } : {}),
    note: i % 4 === 0 ? null : `note ${i}`,
    address: { city: "Paris", zip: String(75000 + (i % 20)) },
    history: [{ at: new Date(i), amount: BigInt(-i) }],
  };
}

/** Runs the CLI; resolves to its peak RSS in MB, or fails with its stderr. */
function cli(args: readonly string[]): Promise<number> {
  const child = spawn(
    process.execPath,
    ["--import=tsx", "--conditions=dynatom-source", `--import=${rssHook}`, bin, ...args],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => {
      const kb = /max-rss-kb (\d+)/.exec(stderr)?.[1];
      if (code !== 0 || kb === undefined) reject(new Error(`dynatom ${args[0]}: ${stderr}`));
      else resolve(Number(kb) / 1024);
    });
  });
}

export default defineSuite({
  name: "cli-io",
  async setup({ client }) {
    const endpoint = await client.config.endpoint?.();
    if (endpoint === undefined) throw new Error("cli-io bench: the client has no endpoint");
    const url = `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}`;
    const atoms = await loadAtoms([atomsPath], process.cwd());
    const Account = atoms.find((atom) => atom.name === "account") as AtomDefinition;
    const dir = await mkdtemp(join(tmpdir(), "dynatom-bench-io-"));
    let tables = 0;
    const freshTable = async () => {
      const table = `bench-io-${process.pid}-${tables++}`;
      await createStore({ table, atoms, client }).ensureTable({ stream: false });
      return table;
    };
    const tableArgs = (table: string) => [
      "--table",
      table,
      "--atoms",
      atomsPath,
      "--endpoint",
      url,
    ];

    // The table every export and scan run reads: the same 20,000 items each time.
    const source = await freshTable();
    const values = Array.from({ length: ITEMS }, (_, i) => account("src", i));
    await createStore({ table: source, atoms, client }).putItems(Account as never, values as never);
    const file = join(dir, "accounts.jsonl");
    await cli(["export", "account", ...tableArgs(source), "--out", file]);

    const peak = new Map<string, number>();
    const note = (name: string, ms: () => number) => {
      const mb = peak.get(name);
      const rate = ITEMS / (ms() / 1000);
      return `${Math.round(rate)} items/s${mb === undefined ? "" : `, child peak RSS ${mb.toFixed(0)} MB`}`;
    };
    const timing = new Map<string, number[]>();
    const timedRun = async (
      name: string,
      run: () => Promise<void>,
      setup?: () => Promise<void>,
    ) => {
      await setup?.();
      const started = performance.now();
      await run();
      const ms = performance.now() - started;
      timing.set(name, [...(timing.get(name) ?? []), ms]);
      return ms;
    };
    const median = (name: string) => {
      const list = [...(timing.get(name) ?? [])].sort((a, b) => a - b);
      return list[Math.floor(list.length / 2)] ?? Number.NaN;
    };
    const n = ITEMS.toLocaleString("en");
    const putName = `putItems ${n} (c=4)`;
    const importName = `dynatom import ${n} (child, c=4)`;
    const scanName = `paged Scan ${n} (filtered, consistent)`;
    const exportName = `dynatom export ${n} --out (child)`;
    const once = { perRound: 1, warmup: 0 };
    let target = "";
    let batch = 0;

    const cases: BenchCase[] = [
      {
        name: putName,
        baseline: putName,
        ...once,
        get note() {
          return note(putName, () => median(putName));
        },
        run: () => undefined,
        timed: () => {
          const fresh = Array.from({ length: ITEMS }, (_, i) => account(`p${batch}`, i));
          batch++;
          return timedRun(
            putName,
            () =>
              createStore({ table: target, atoms, client }).putItems(
                Account as never,
                fresh as never,
              ),
            async () => {
              target = await freshTable();
            },
          );
        },
      },
      {
        name: importName,
        baseline: putName,
        ...once,
        get note() {
          return `${note(importName, () => median(importName))}; node+tsx start-up included`;
        },
        run: () => undefined,
        timed: () =>
          timedRun(
            importName,
            async () => {
              const mb = await cli(["import", "account", file, ...tableArgs(target)]);
              peak.set(importName, Math.max(peak.get(importName) ?? 0, mb));
            },
            async () => {
              target = await freshTable();
            },
          ),
      },
      {
        name: scanName,
        baseline: scanName,
        ...once,
        get note() {
          return note(scanName, () => median(scanName));
        },
        run: () => undefined,
        timed: () =>
          timedRun(scanName, async () => {
            let start: Record<string, AttributeValue> | undefined;
            let seen = 0;
            do {
              const page = await client.send(
                new ScanCommand({
                  TableName: source,
                  FilterExpression: "#e = :e",
                  ExpressionAttributeNames: { "#e": "__edb_e__" },
                  ExpressionAttributeValues: { ":e": { S: "account" } },
                  ConsistentRead: true,
                  ExclusiveStartKey: start,
                }),
              );
              seen += page.Items?.length ?? 0;
              start = page.LastEvaluatedKey;
            } while (start !== undefined);
            if (seen !== ITEMS) throw new Error(`cli-io bench: the scan saw ${seen} items`);
          }),
      },
      {
        name: exportName,
        baseline: scanName,
        ...once,
        get note() {
          return `${note(exportName, () => median(exportName))}; node+tsx start-up included`;
        },
        run: () => undefined,
        timed: () =>
          timedRun(exportName, async () => {
            const mb = await cli([
              "export",
              "account",
              ...tableArgs(source),
              "--out",
              join(dir, "again.jsonl"),
            ]);
            peak.set(exportName, Math.max(peak.get(exportName) ?? 0, mb));
          }),
      },
    ];
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    return cases;
  },
});
