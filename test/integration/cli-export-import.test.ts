// dynatom export and dynatom import run as a user runs them (child processes, from the sources)
// against the run's DynamoDB Local: export then import into a fresh table gives identical items
// (every attribute, bookkeeping included), also after a kill or Ctrl-C halfway; bad files give
// FILE:LINE errors and exit 2.
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { type AttributeValue, DeleteTableCommand, ScanCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { type AtomDefinition, createStore } from "dynatom";
import { loadAtoms } from "../../cli/atoms.js";
import { runCli } from "../helpers/cli.js";
import { useTestDynamo } from "../helpers/table.js";

type Item = Record<string, AttributeValue>;

const dynamo = useTestDynamo(test);
const fixtures = fileURLToPath(new URL("../fixtures/cli-io/", import.meta.url));
const schemaFolder = fixtures;
const atomsModule = join(fixtures, "atoms.ts");
const ITEMS = 20_000;
const SWAPPED = 40;

let dir = "";
let source = "";
let atoms: AtomDefinition[] = [];
/** The export of `source`, made once by the first test and used by the later ones. */
let exported = "";

const byName = (name: string) => atoms.find((atom) => atom.name === name) as AtomDefinition;

function account(i: number) {
  return {
    tenant: `t${i % 13}`,
    id: `a${i}`,
    email: `user${i}@example.com`,
    balance: 10n ** 30n + BigInt(i) * (i % 2 ? -1n : 1n),
    createdAt: new Date(1_700_000_000_000 + i * 1_000),
    score: i % 7 === 0 ? -i / 3 : i,
    tags: new Set(i % 5 === 0 ? [] : ["vip", `tier-${i % 4}`]),
    prefs: new Map<string, unknown>([
      ["theme", i % 2 ? "dark" : "light"],
      ["since", new Date(i * 86_400_000)],
      ["limits", new Map([[1, 2n]])],
      ["misc", { nested: [i, undefined, null, "é\u{1F600}"] }],
    ]),
    ...(i % 3 === 0 ? { avatar: new Uint8Array([i % 256, 0, 255, 10]) } : {}),
    note: i % 4 === 0 ? null : `note ${i}`,
    ...(i % 6 === 0 ? { nick: undefined } : i % 6 === 1 ? { nick: `n${i}` } : {}),
    address: { city: "Paris", zip: String(75000 + (i % 20)) },
    history: i % 2 ? [] : [{ at: new Date(i), amount: BigInt(-i) }],
  };
}

/** A fresh table with the GSIs the atom types need. */
async function freshTable(label: string): Promise<string> {
  const table = dynamo().tableName(label);
  const store = createStore({ table, atoms, client: dynamo().client });
  await store.ensureTable({ stream: false });
  return table;
}

/** Every item of one atom type in a table, raw (all attributes), by table key. */
async function scanAll(table: string, atom: string): Promise<Map<string, Item>> {
  const items = new Map<string, Item>();
  let start: Item | undefined;
  do {
    const page = await dynamo().client.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      if (item.__edb_e__?.S === atom) items.set(`${item.pk?.S}\n${item.sk?.S}`, item);
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** Keys whose items differ (or are missing on one side); a few of them, and how many. */
function differences(a: Map<string, Item>, b: Map<string, Item>) {
  const keys = new Set([...a.keys(), ...b.keys()]);
  const differ = [...keys].filter((key) => !isDeepStrictEqual(a.get(key), b.get(key)));
  return { count: differ.length, some: differ.slice(0, 3) };
}

const tableArgs = (table: string, atomsPath = schemaFolder) => [
  "--table",
  table,
  "--atoms",
  atomsPath,
  "--endpoint",
  dynamo().endpoint,
];

/** An export line with its `_writes` replaced by `writes`. */
function withWrites(line: string, writes: AttributeValue): string {
  return JSON.stringify({ ...(JSON.parse(line) as object), _writes: writes });
}

/** Waits until `path` exists (a checkpoint after the first page or chunk), then signals the child. */
async function signalOnceSaved(
  path: string,
  child: () => ChildProcess | undefined,
  signal: NodeJS.Signals,
) {
  for (;;) {
    if (await stat(path).catch(() => undefined)) {
      child()?.kill(signal);
      return;
    }
    await sleep(10);
  }
}

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), "dynatom-cli-io-"));
  atoms = await loadAtoms([schemaFolder], process.cwd());
  source = await freshTable("source");
  const store = createStore({ table: source, atoms, client: dynamo().client });
  const values = Array.from({ length: ITEMS }, (_, i) => account(i));
  await store.putItems(byName("account") as never, values as never, { concurrency: 8 });
  await store.putItems(
    byName("counter") as never,
    [
      { name: "c1", n: 1 },
      { name: "c2", n: 2 },
    ] as never,
  );
  // Swapped items carry a version above 1 and several write ids.
  await Promise.all(
    Array.from({ length: SWAPPED }, async (_, i) => {
      type Swappable = { swap(fn: (v: object) => object): Promise<unknown> };
      const key = { tenant: `t${i % 13}`, id: `a${i}` };
      const atom = store.atom(byName("account") as never, key as never) as unknown as Swappable;
      for (let k = 0; k < 2; k++) {
        await atom.swap((v) => ({ ...v, score: k + i }));
      }
    }),
  );
});

test.after.always(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test.serial("export then import into a fresh table gives identical items (20,000)", async (t) => {
  // About a minute and a half on an idle 2-core machine; several times that when it is loaded.
  t.timeout(600_000);
  const file = join(dir, "accounts.jsonl");
  const out = await runCli(["export", "account", ...tableArgs(source), "--out", file], {
    timeoutMs: 590_000,
  });
  t.is(out.code, 0, out.stderr);
  t.is(out.stdout, "", "stdout stays clean when exporting to a file");
  t.regex(out.stderr, /export account: 20000 items to /);
  const lines = (await readFile(file, "utf8")).trimEnd().split("\n");
  t.is(lines[0], '{"dynatom":"export","format":1,"atom":"account"}');
  t.is(lines.length, ITEMS + 1, "the counters are not exported");
  t.false(
    lines.some((line) => /"(pk|sk|gsi\dpk|__edb_e__)"/.test(line)),
    "no derived attributes",
  );
  t.true(
    lines.some((line) => line.includes('"_ver":{"N":"2"}')),
    "swapped versions kept",
  );
  await t.throwsAsync(stat(`${file}.dynatom-progress`), undefined, "checkpoint removed");
  exported = file;

  const target = await freshTable("copy");
  const imported = await runCli(["import", "account", file, ...tableArgs(target)], {
    timeoutMs: 590_000,
  });
  t.is(imported.code, 0, imported.stderr);
  t.regex(imported.stderr, /import account: 20000\/20000 lines \(100%\)/);
  await t.throwsAsync(stat(`${file}.dynatom-import`), undefined, "checkpoint removed");
  const [before, after] = await Promise.all([
    scanAll(source, "account"),
    scanAll(target, "account"),
  ]);
  t.is(before.size, ITEMS);
  t.deepEqual(differences(before, after), { count: 0, some: [] });
  t.log(out.stderr.trim().split("\n").at(-1), "|", imported.stderr.trim().split("\n").at(-1));
  // DynamoDB Local slows down as it holds more items: the copy goes once compared.
  await dynamo().client.send(new DeleteTableCommand({ TableName: target }));
});

test.serial("an import killed halfway and run again ends with identical items", async (t) => {
  t.timeout(180_000);
  // The first 3,000 lines of the export: enough for several chunks, quick to write twice.
  const head = (await readFile(exported, "utf8")).split("\n").slice(0, 3_001).join("\n");
  const file = join(dir, "head.jsonl");
  await writeFile(file, `${head}\n`);
  const target = await freshTable("killed");
  let child: ChildProcess | undefined;
  const watch = signalOnceSaved(`${file}.dynatom-import`, () => child, "SIGKILL");
  const killed = await runCli(["import", "account", file, ...tableArgs(target)], {
    onSpawn: (c) => {
      child = c;
    },
  });
  await watch;
  t.is(killed.signal, "SIGKILL", killed.stderr);
  const saved = JSON.parse(await readFile(`${file}.dynatom-import`, "utf8")) as { lines: number };
  t.true(saved.lines > 1 && saved.lines < 3_001, `checkpoint at ${saved.lines} lines`);

  const resumed = await runCli(["import", "account", file, ...tableArgs(target)]);
  t.is(resumed.code, 0, resumed.stderr);
  await t.throwsAsync(stat(`${file}.dynatom-import`));
  const after = await scanAll(target, "account");
  t.is(after.size, 3_000);
  const before = await scanAll(source, "account");
  await dynamo().client.send(new DeleteTableCommand({ TableName: target }));
  const expected = new Map([...after.keys()].map((key) => [key, before.get(key) as Item]));
  t.deepEqual(differences(expected, after), { count: 0, some: [] });
});

test.serial("an import stopped by Ctrl-C saves its place and says how to resume", async (t) => {
  t.timeout(120_000);
  const head = (await readFile(exported, "utf8")).split("\n").slice(0, 3_001).join("\n");
  const file = join(dir, "ctrl-c.jsonl");
  await writeFile(file, head);
  const target = await freshTable("ctrl-c");
  let child: ChildProcess | undefined;
  const watch = signalOnceSaved(`${file}.dynatom-import`, () => child, "SIGINT");
  const stopped = await runCli(["import", "account", file, ...tableArgs(target)], {
    onSpawn: (c) => {
      child = c;
    },
  });
  await watch;
  t.is(stopped.code, 1, stopped.stderr);
  t.regex(stopped.stderr, /interrupted after \d+ of 3000 lines; run the same command again/);
  const resumed = await runCli(["import", "account", file, ...tableArgs(target)]);
  t.is(resumed.code, 0, resumed.stderr);
  t.is((await scanAll(target, "account")).size, 3_000);
});

test.serial("an export killed or stopped halfway resumes to the same file", async (t) => {
  t.timeout(180_000);
  const whole = await readFile(exported, "utf8");
  for (const signal of ["SIGKILL", "SIGINT"] as const) {
    const file = join(dir, `resumed-${signal}.jsonl`);
    const args = ["export", "account", ...tableArgs(source), "--out", file, "--page-size", "2000"];
    let child: ChildProcess | undefined;
    const watch = signalOnceSaved(`${file}.dynatom-progress`, () => child, signal);
    const stopped = await runCli(args, {
      onSpawn: (c) => {
        child = c;
      },
    });
    await watch;
    if (signal === "SIGKILL") t.is(stopped.signal, "SIGKILL");
    else {
      t.is(stopped.code, 1, stopped.stderr);
      t.regex(stopped.stderr, /interrupted after \d+ items; run the same command again/);
    }
    const progress = JSON.parse(await readFile(`${file}.dynatom-progress`, "utf8"));
    t.true(progress.lines > 1 && progress.lines < ITEMS + 1, signal);
    const resumed = await runCli(args);
    t.is(resumed.code, 0, resumed.stderr);
    // The same table scanned in the same order: the very same bytes.
    t.true((await readFile(file, "utf8")) === whole, `${signal}: the resumed file differs`);
    await t.throwsAsync(stat(`${file}.dynatom-progress`));
  }
});

test.serial("--atoms as a module of defineAtom values; export to stdout", async (t) => {
  const moduleAtoms = await loadAtoms([atomsModule], process.cwd());
  const Note = moduleAtoms.find((atom) => atom.name === "note") as AtomDefinition;
  const from = dynamo().tableName("notes");
  const store = createStore({ table: from, atoms: moduleAtoms, client: dynamo().client });
  await store.ensureTable({ stream: false });
  const notes = Array.from({ length: 300 }, (_, i) => ({
    owner: `o${i % 3}`,
    at: new Date(1_600_000_000_000 + i),
    body: `body ${i}`,
    size: BigInt(i) ** 9n,
    words: new Set(i % 2 ? ["a", "b"] : []),
    meta: new Map<string, unknown>([["k", new Set([1, 2])]]),
    ...(i % 2 ? { raw: new Uint8Array(i % 50) } : {}),
  }));
  await store.putItems(Note as never, notes as never);
  const out = await runCli(["export", "note", ...tableArgs(from, atomsModule)]);
  t.is(out.code, 0, out.stderr);
  t.is(out.stdout.split("\n").length, 302, "header, 300 lines, the last newline");
  const file = join(dir, "notes.jsonl");
  await writeFile(file, out.stdout);
  const to = dynamo().tableName("notes-copy");
  await createStore({ table: to, atoms: moduleAtoms, client: dynamo().client }).ensureTable({
    stream: false,
  });
  const imported = await runCli(["import", "Note", file, ...tableArgs(to, atomsModule)]);
  t.is(imported.code, 0, imported.stderr);
  const diff = differences(await scanAll(from, "note"), await scanAll(to, "note"));
  t.deepEqual(diff, { count: 0, some: [] });
});

test.serial(
  "bad lines name FILE:LINE, exit 2, and nothing from that line on is written",
  async (t) => {
    const lines = (await readFile(exported, "utf8")).split("\n").slice(0, 6);
    const target = await freshTable("bad");
    const cases: [string, string[], RegExp][] = [
      [
        "not-json.jsonl",
        [...lines.slice(0, 3), "{oops", ...lines.slice(3)],
        /not-json\.jsonl:4: not JSON/,
      ],
      [
        "undecodable.jsonl",
        [...lines.slice(0, 2), '{"id":{"S":"x"},"tenant":{"S":"t"}}', ...lines.slice(2)],
        /undecodable\.jsonl:3: /,
      ],
      [
        "bad-type.jsonl",
        [lines[0] ?? "", '{"id":{"Q":"x"}}'],
        /bad-type\.jsonl:2: id: unknown attribute type "Q"/,
      ],
      [
        "other-atom.jsonl",
        ['{"dynatom":"export","format":1,"atom":"counter"}', ...lines.slice(1)],
        /other-atom\.jsonl:1: the file holds atom "counter", not "account"/,
      ],
      [
        "format.jsonl",
        ['{"dynatom":"export","format":2,"atom":"account"}'],
        /format\.jsonl:1: export format 2/,
      ],
      ["not-export.jsonl", ['{"hello":1}'], /not-export\.jsonl:1: not a dynatom export/],
      [
        "bad-writes.jsonl",
        [lines[0] ?? "", withWrites(lines[1] ?? "", { S: "a1.b2" })],
        /bad-writes\.jsonl:2: _writes: not write ids/,
      ],
    ];
    for (const [name, content, message] of cases) {
      const file = join(dir, name);
      await writeFile(file, `${content.join("\n")}\n`);
      const run = await runCli(["import", "account", file, ...tableArgs(target)]);
      t.is(run.code, 2, `${name}: ${run.stderr}`);
      t.regex(run.stderr, message);
      await t.throwsAsync(stat(`${file}.dynatom-import`), undefined, `${name}: no checkpoint`);
    }
    t.is((await scanAll(target, "account")).size, 0, "chunks are written whole or not at all here");
  },
);

test.serial(
  "import copies write ids in either form; a swap on a list of them is exact",
  async (t) => {
    const lines = (await readFile(exported, "utf8")).split("\n").filter((line) => line !== "");
    const header = lines[0] ?? "";
    // An earlier release exported write ids as a list of 12-character ids.
    const list = { L: [{ S: "DrSv0TNimCQr" }, { S: "MgHP5bUu-iaG" }] };
    const text = { S: ".JNjuMbAT.hEUqiAgQ." };
    const items = [withWrites(lines[1] ?? "", list), withWrites(lines[2] ?? "", text)];
    const file = join(dir, "forms.jsonl");
    await writeFile(file, `${[header, ...items].join("\n")}\n`);
    const target = await freshTable("forms");
    const run = await runCli(["import", "account", file, ...tableArgs(target)]);
    t.is(run.code, 0, run.stderr);
    const stored = [...(await scanAll(target, "account")).values()];
    const inForm = (form: "L" | "S") =>
      stored.filter((item) => item._writes?.[form] !== undefined).map((item) => item._writes);
    t.deepEqual(inForm("L"), [list], "the list, as the line held it");
    t.deepEqual(inForm("S"), [text], "the string, as the line held it");
    const old = stored.find((item) => item._writes?.L !== undefined) as Item;
    const store = createStore({ table: target, atoms, client: dynamo().client });
    type Swappable = { swap(fn: (v: object) => object): Promise<unknown> };
    const key = { tenant: old.tenant?.S, id: old.id?.S };
    const atom = store.atom(byName("account") as never, key as never) as unknown as Swappable;
    await atom.swap((v) => ({ ...v, score: 12345 }));
    const after = (await scanAll(target, "account")).get(`${old.pk?.S}\n${old.sk?.S}`);
    t.is(after?._ver?.N, String(Number(old._ver?.N ?? 0) + 1));
    t.regex(after?._writes?.S ?? "", /^\.DrSv0TNimCQr\.MgHP5bUu-iaG\.[A-Za-z0-9_-]{8}\.$/);
  },
);

test.serial("usage errors exit 2 naming the option", async (t) => {
  const noTable = await runCli(["export", "account", "--atoms", schemaFolder]);
  t.is(noTable.code, 2);
  t.regex(noTable.stderr, /needs --table/);
  const unknown = await runCli(["export", "nope", ...tableArgs(source)]);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /no atom type "nope"/);
  const missing = await runCli([
    "import",
    "account",
    join(dir, "absent.jsonl"),
    ...tableArgs(source),
  ]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /absent\.jsonl: no such file/);
  const help = await runCli(["import", "--help"]);
  t.is(help.code, 0);
  t.regex(help.stdout, /Exit codes: 0 imported/);
});
