// What exactly-once costs an item, measured on a hot one; and items an older release wrote (write
// ids in a list, test/fixtures/atom-items.json) still read, swap exactly once and query.
import { readFileSync } from "node:fs";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { createStore } from "dynatom";
import { itemSize } from "../../src/encoding/index.js";
import {
  ATOM_VERSION_ATTRIBUTE,
  BOOKKEEPING_BYTES,
  parseWriteIds,
  WRITE_ID_WINDOW,
  WRITE_IDS_ATTRIBUTE,
} from "../../src/schema/bookkeeping.js";
import { type Corpus, fromDynamoJson } from "../fixtures/corpus.js";
import { Account, Counter } from "../helpers/atoms.js";
import { useTestDynamo } from "../helpers/table.js";

const dynamo = useTestDynamo(test);

let table = "";
test.before(async () => {
  table = dynamo().tableName("bookkeeping");
  await createStore({ table, atoms: [Counter, Account], client: dynamo().client }).ensureTable({
    stream: false,
  });
});

const raw = async (key: Record<string, unknown>) =>
  (
    await dynamo().client.send(
      new GetItemCommand({
        TableName: table,
        Key: key as never,
        ConsistentRead: true,
      }),
    )
  ).Item ?? {};

const bookkeepingBytes = (
  item: Record<string, import("@aws-sdk/client-dynamodb").AttributeValue>,
) =>
  itemSize(
    Object.fromEntries(
      [ATOM_VERSION_ATTRIBUTE, WRITE_IDS_ATTRIBUTE].flatMap((name) =>
        item[name] === undefined ? [] : [[name, item[name]]],
      ),
    ),
  );

test("16 writers, 1,008 swaps on one atom: its bookkeeping stays within 200 bytes", async (t) => {
  const writers = 16;
  const each = 63;
  const name = "hot";
  const stores = Array.from({ length: writers }, () =>
    createStore({
      table,
      atoms: [Counter],
      client: dynamo().client,
      retry: { maxAttempts: 100_000, baseDelayMs: 1, maxDelayMs: 20, deadlineMs: 120_000 },
    }),
  );
  let peak = 0;
  await Promise.all(
    stores.map(async (store) => {
      const atom = store.atom(Counter, { name }, { init: { name, n: 0 } });
      for (let i = 0; i < each; i++) {
        await atom.swap((c) => ({ ...c, n: c.n + 1 }));
        if (i % 16 === 0)
          peak = Math.max(peak, bookkeepingBytes(await raw(Counter.keyOf({ name }))));
      }
    }),
  );
  const item = await raw(Counter.keyOf({ name }));
  t.is(Counter.decode(item).n, writers * each, "every swap applied exactly once");
  const bytes = bookkeepingBytes(item);
  t.log(`bookkeeping after ${writers * each} swaps: ${bytes} bytes (peak seen ${peak})`);
  t.true(bytes <= 200, `${bytes} bytes`);
  t.true(peak <= 200, `${peak} bytes`);
  t.true(bytes <= BOOKKEEPING_BYTES);
  const ids = parseWriteIds(item[WRITE_IDS_ATTRIBUTE] ?? { NULL: true });
  t.is(ids?.form, "text");
  t.is(ids?.ids.length, WRITE_ID_WINDOW);
});

const corpus = JSON.parse(
  readFileSync(new URL("../fixtures/atom-items.json", import.meta.url), "utf8"),
) as Corpus;
const listed = Object.entries(corpus).filter(
  ([, item]) => fromDynamoJson(item)[WRITE_IDS_ATTRIBUTE]?.L !== undefined,
);

/** Puts the corpus items into the table as they are stored, under `prefix`-named keys. */
async function putCorpus(): Promise<void> {
  for (const [, json] of listed) {
    await dynamo().client.send(
      new PutItemCommand({ TableName: table, Item: fromDynamoJson(json) }),
    );
  }
}

test.serial(
  "items of an older release read, swap exactly once, then hold the text form",
  async (t) => {
    t.true(listed.length >= 6, "the corpus holds items with write ids in a list");
    await putCorpus();
    const store = createStore({ table, atoms: [Counter, Account], client: dynamo().client });
    for (const name of ["list-hot", "list-few", "list-blind"]) {
      const before = await raw(Counter.keyOf({ name }));
      const version = Number(before[ATOM_VERSION_ATTRIBUTE]?.N ?? 0);
      const atom = store.atom(Counter, { name }, { init: { name, n: 0 } });
      const value = await atom.deref();
      t.is(value?.name, name);
      const n = value?.n ?? 0;
      // A second handle holds the list state too: its write must conflict, not land on ours.
      const stale = createStore({ table, atoms: [Counter], client: dynamo().client }).atom(
        Counter,
        { name },
        { init: { name, n: 0 } },
      );
      await stale.deref();
      await atom.swap((c) => ({ ...c, n: c.n + 1 }));
      const after = await raw(Counter.keyOf({ name }));
      t.is(Number(after[ATOM_VERSION_ATTRIBUTE]?.N), version + 1, name);
      const ids = parseWriteIds(after[WRITE_IDS_ATTRIBUTE] ?? { NULL: true });
      t.is(ids?.form, "text", name);
      // The write carried the newest ids of the list (the last one at least), then its own.
      const old = parseWriteIds(before[WRITE_IDS_ATTRIBUTE] ?? { NULL: true })?.ids ?? [];
      t.true(ids?.ids.includes(old.at(-1) ?? "?") ?? false, name);
      t.true(bookkeepingBytes(after) <= BOOKKEEPING_BYTES, name);
      // The stale handle's conditional write on the list state fails, and it runs again on ours.
      const seenBy: number[] = [];
      await stale.swap((c) => {
        seenBy.push(c.n);
        return { ...c, n: c.n + 10 };
      });
      t.deepEqual(seenBy, [n, n + 1], `${name}: ran on the list state, then on the text state`);
      t.is((await atom.deref())?.n, n + 11, name);
    }
    for (const id of ["a1", "a2", "a3"]) {
      const atom = store.atom(Account, { tenant: "list-t", id });
      const value = await atom.deref();
      t.is(value?.email, `${id}@list.example`);
      t.true(value?.tags instanceof Set);
    }
    const byScore = await store.query(Account).byScore({ tenant: "list-t" }).go();
    t.deepEqual(
      byScore.items.map((a) => a.id),
      ["a2", "a1", "a3"],
    );
    const byEmail = await store.query(Account).byEmail({ email: "a1@list.example" }).go();
    t.deepEqual(
      byEmail.items.map((a) => a.id),
      ["a1"],
    );
    await store.atom(Account, { tenant: "list-t", id: "a1" }).swap((a) => {
      if (a === undefined) throw new Error("a1 is in the corpus");
      return { ...a, score: 3 };
    });
    const moved = await store.query(Account).byScore({ tenant: "list-t" }).go();
    t.deepEqual(
      moved.items.map((a) => [a.id, a.score]),
      [
        ["a2", -1.25],
        ["a3", 2],
        ["a1", 3],
      ],
    );
    const found = await store.findItems(Account, [
      { tenant: "list-t", id: "a2" },
      { tenant: "list-t", id: "a3" },
    ]);
    t.deepEqual(
      found.map((a) => a?.id),
      ["a2", "a3"],
    );
  },
);
