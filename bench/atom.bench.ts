// One atom, one request: `deref` against a consistent GetItem of a plain item, and a warm `swap`
// against a hand-written conditional PutItem of a plain item (see bench/hand-written.ts). The
// atom's item is hot (a full window of write ids), so deref pays for the bookkeeping it reads;
// the plain item has only its fields and a version. Contention rows are in bench/hot.bench.ts.
import { type AttributeValue, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { createStore, defineAtom, itemSize } from "dynatom";
import * as v from "valibot";
import { INTERNALS } from "../src/atom/atom.js";
import { getAtom } from "../src/requests/atom.js";
import { projectionOf } from "../src/requests/projection.js";
import { conditionalPut, type PlainSeen, plainItem, plainKey } from "./hand-written.js";
import { type BenchCase, counting, defineSuite, endpointOf } from "./harness.js";

/** Items each side goes round. */
const ITEMS = 8;

/** What an atom's item holds besides what decoding reads: its keys and ElectroDB's markers. */
const NOT_DECODED = ["pk", "sk", "__edb_e__", "__edb_v__"];

const Counter = defineAtom({
  name: "counter",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number() }),
  key: ["name"],
});

export default defineSuite({
  name: "atom",
  async setup({ client, table }) {
    // The store makes its client from the endpoint, as a new user's does.
    const endpoint = await endpointOf(client);
    const store = createStore({ table, atoms: [Counter], ...(endpoint && { endpoint }) });
    // Each side goes round ITEMS items of its own, so that no one key's place in DynamoDB
    // Local's storage decides a ratio (one key against another moved it by ±2%).
    const names = Array.from({ length: ITEMS }, (_, i) => `hot-${i}`);
    const hots = names.map((name) => store.atom(Counter, { name }, { init: { name, n: 0 } }));
    const sentByAtoms = counting(
      await (hots[0] as (typeof hots)[0])[INTERNALS]().target.core.client(),
    );
    // 40 writes fill the window of write ids, as on any atom written often.
    for (const hot of hots)
      for (let i = 0; i < 40; i++) await hot.swap((c) => ({ ...c, n: c.n + 1 }));
    const hotKeys = names.map((name) => Counter.keyOf({ name }));
    const hotKey = hotKeys[0] as Record<string, never>;
    const plainNames = names.map((name) => `plain-${name}`);
    const plains: PlainSeen[] = [];
    for (const name of plainNames) {
      await client.send(new PutItemCommand({ TableName: table, Item: plainItem(name, 0, 1) }));
      plains.push({ version: 1, n: 0 });
    }
    const turn = { get: 0, whole: 0, projected: 0, deref: 0, put: 0, format: 0, swap: 0 };
    const next = (side: keyof typeof turn) => turn[side]++ % ITEMS;

    // What each read carries back, for the notes.
    const whole = (await client.send(new GetItemCommand({ TableName: table, Key: hotKey })))
      .Item as Record<string, never>;
    // What a projection of the decoded attributes would ask for: all but the keys and markers.
    const projection = projectionOf(
      Object.keys(whole).filter((name) => !NOT_DECODED.includes(name)),
    );
    const projected = hotKeys.map((key) => getAtom(table, key, projection));
    const lean = (await client.send(new GetItemCommand(projected[0] as never))).Item as Record<
      string,
      never
    >;
    const writeIds = (whole._writes as { S?: string } | undefined)?.S?.split(".").length ?? 2;
    const plainBytes = itemSize(plainItem("plain", 0, 1));

    // Copies of a hot atom's item under keys of their own, written by hand with the condition a
    // swap sends: what the stored format costs DynamoDB, without any of dynatom's code.
    const formatItems = names.map((_, i) => ({
      ...whole,
      ...Counter.keyOf({ name: `by-hand-${i}` }),
    })) as Record<string, AttributeValue>[];
    for (const item of formatItems)
      await client.send(new PutItemCommand({ TableName: table, Item: item }));
    const formatVersions = formatItems.map((item) => Number(item._ver?.N));
    const lastId = (formatItems[0]?._writes?.S ?? "").split(".").at(-2) ?? "";

    let swaps = 0;
    let swapRequests = 0;
    const cases: BenchCase[] = [
      {
        name: "GetItem of a plain item (consistent)",
        baseline: "GetItem of a plain item (consistent)",
        note: `returns ${plainBytes} B: fields and version`,
        run: () =>
          client.send(
            new GetItemCommand({
              TableName: table,
              Key: plainKey(plainNames[next("get")] as string),
              ConsistentRead: true,
            }),
          ),
      },
      {
        name: "GetItem of the atom's whole item (consistent)",
        baseline: "GetItem of a plain item (consistent)",
        note: `returns ${itemSize(whole)} B (${Object.keys(whole).length} attributes), no decoding`,
        run: () =>
          client.send(
            new GetItemCommand({
              TableName: table,
              Key: hotKeys[next("whole")],
              ConsistentRead: true,
            }),
          ),
      },
      {
        // Why an atom type without indexes reads whole items: leaving out the keys and markers
        // saves a few bytes and costs DynamoDB an expression to apply.
        name: "GetItem of the atom's item, projected (consistent)",
        baseline: "GetItem of a plain item (consistent)",
        note: `returns ${itemSize(lean)} B (${Object.keys(lean).length} attributes), no decoding`,
        run: () => client.send(new GetItemCommand(projected[next("projected")] as never)),
      },
      {
        name: "deref",
        baseline: "GetItem of a plain item (consistent)",
        goal: 1.1,
        note:
          `reads the whole item, ${itemSize(whole)} B with ${writeIds - 2} write ids ` +
          "(a type without indexes; decoded and validated)",
        run: () => (hots[next("deref")] as (typeof hots)[0]).deref(),
      },
      {
        name: "conditional PutItem of a plain item",
        baseline: "conditional PutItem of a plain item",
        note: "version = :v, ALL_OLD; 1.00 requests/swap",
        run: async () => {
          const i = next("put");
          const plain = plains[i] as PlainSeen;
          await conditionalPut(client, table, plainNames[i] as string, plain);
          plains[i] = { version: plain.version + 1, n: plain.n + 1 };
        },
      },
      {
        name: "conditional PutItem of the atom's item, by hand",
        baseline: "conditional PutItem of a plain item",
        note: "the same item and condition a swap sends (#ver = :ver AND contains(#w, :last)), no dynatom code",
        run: async () => {
          const i = next("format");
          const version = formatVersions[i] as number;
          await client.send(
            new PutItemCommand({
              TableName: table,
              Item: {
                ...(formatItems[i] as Record<string, AttributeValue>),
                _ver: { N: String(version + 1) },
              },
              ConditionExpression: "#ver = :ver AND contains(#w, :last)",
              ExpressionAttributeNames: { "#ver": "_ver", "#w": "_writes" },
              ExpressionAttributeValues: {
                ":ver": { N: String(version) },
                ":last": { S: `.${lastId}.` },
              },
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            }),
          );
          formatVersions[i] = version + 1;
        },
      },
      {
        name: "warm swap",
        baseline: "conditional PutItem of a plain item",
        goal: 1.1,
        get note() {
          return swaps ? `${(swapRequests / swaps).toFixed(2)} requests/swap` : "";
        },
        run: async () => {
          const before = sentByAtoms.n;
          await (hots[next("swap")] as (typeof hots)[0]).swap((c) => ({ ...c, n: c.n + 1 }));
          swapRequests += sentByAtoms.n - before;
          swaps++;
        },
      },
    ];
    return cases;
  },
});
