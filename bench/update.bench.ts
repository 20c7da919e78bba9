// Updates without a read: `update().add()` on a counter against the UpdateItem ADD a user writes
// by hand (ReturnValues ALL_NEW: the new count, as `go()` returns it), each side going round 8
// items; and 16 callers incrementing ONE counter 10 times each, with `update`, with `swap`, and
// with 16 hand-written ADD loops (which never conflict: DynamoDB serializes them itself).
import {
  type AttributeValue,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { createStore, defineAtom } from "dynatom";
import * as v from "valibot";
import { INTERNALS } from "../src/atom/atom.js";
import { updateAtom } from "../src/requests/update.js";
import {
  buildWriteIds,
  newWriteId,
  nextWriteIds,
  parseWriteIds,
} from "../src/schema/bookkeeping.js";
import { planFast } from "../src/update/fast.js";
import { plainItem, plainKey } from "./hand-written.js";
import { type BenchCase, counting, defineSuite, endpointOf } from "./harness.js";

const ITEMS = 8;
const CALLERS = 16;
const EACH = 10;

const Counter = defineAtom({
  name: "counter",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number() }),
  key: ["name"],
});

/** The increment a user writes by hand: ADD, and the new item back. */
function handAdd(table: string, key: Record<string, AttributeValue>) {
  return new UpdateItemCommand({
    TableName: table,
    Key: key,
    UpdateExpression: "ADD #n :one",
    ExpressionAttributeNames: { "#n": "n" },
    ExpressionAttributeValues: { ":one": { N: "1" } },
    ReturnValues: "ALL_NEW",
  });
}

export default defineSuite({
  name: "update",
  async setup({ client, table }) {
    const endpoint = await endpointOf(client);
    const store = createStore({ table, atoms: [Counter], ...(endpoint && { endpoint }) });
    const names = Array.from({ length: ITEMS }, (_, i) => `u-${i}`);
    // Hot items: a full window of write ids, as on any atom written often.
    for (const name of names) {
      const atom = store.atom(Counter, { name }, { init: { name, n: 0 } });
      for (let i = 0; i < 40; i++) await atom.swap((c) => ({ ...c, n: c.n + 1 }));
    }
    const plainKeys = names.map((name) => plainKey(`plain-${name}`));
    for (const name of names)
      await client.send(
        new PutItemCommand({ TableName: table, Item: plainItem(`plain-${name}`, 0, 1) }),
      );
    // The same request dynatom sends, written by hand on copies of the hot items: what the
    // stored format and the exactly-once condition cost DynamoDB, without dynatom's code.
    const byHand = await Promise.all(
      names.map(async (name, i) => {
        const { Item: item } = await client.send(
          new GetItemCommand({ TableName: table, Key: Counter.keyOf({ name }) }),
        );
        const copy = { ...item, ...Counter.keyOf({ name: `by-hand-${i}` }) } as Record<
          string,
          AttributeValue
        >;
        await client.send(new PutItemCommand({ TableName: table, Item: copy }));
        return {
          key: Counter.keyOf({ name: `by-hand-${i}` }),
          version: Number(copy._ver?.N),
          writes: parseWriteIds(copy._writes as AttributeValue)?.ids ?? [],
        };
      }),
    );
    const addOne = planFast(
      Counter,
      { atom: "counter", key: "" },
      { note: null, schema: 1 },
      new Map([["n", { kind: "add", value: 1 }]]),
    );
    if (!("changes" in addOne)) throw new Error("a counter's add must be one UpdateItem");
    const sent = counting(
      await store.atom(Counter, { name: "x" })[INTERNALS]().target.core.client(),
    );
    const turn = { raw: 0, update: 0, hand: 0 };
    let updates = 0;
    let updateRequests = 0;
    let runs = 0;
    const hot = { update: 0, swap: 0 };
    const requests = { update: 0, swap: 0 };
    const run16 = async (kind: "update" | "swap") => {
      const name = `hot16-${kind}-${runs++}`;
      await store.atom(Counter, { name }).reset({ name, n: 0 });
      const start = sent.n;
      await Promise.all(
        Array.from({ length: CALLERS }, async () => {
          const handle = store.atom(Counter, { name }, { init: { name, n: 0 } });
          for (let i = 0; i < EACH; i++) {
            if (kind === "update") await store.update(Counter, { name }).add({ n: 1 }).go();
            else await handle.swap((c) => ({ ...c, n: c.n + 1 }));
          }
        }),
      );
      requests[kind] += sent.n - start - 1;
      hot[kind]++;
    };
    const perIncrement = (kind: "update" | "swap") =>
      hot[kind] === 0
        ? ""
        : `${(requests[kind] / (hot[kind] * CALLERS * EACH)).toFixed(2)} requests/increment`;
    /** 16 callers incrementing one counter, against the hand-written loops. */
    const contended = (kind: "update" | "swap", name: string): BenchCase => ({
      name,
      baseline: `${CALLERS} hand-written ADD loops × ${EACH} on one item`,
      perRound: 2,
      warmup: 1,
      get note() {
        return perIncrement(kind);
      },
      run: () => run16(kind),
    });
    const cases: BenchCase[] = [
      {
        name: "UpdateItem ADD of a plain item, by hand",
        baseline: "UpdateItem ADD of a plain item, by hand",
        run: () => client.send(handAdd(table, plainKeys[turn.raw++ % ITEMS] as never)),
      },
      {
        name: "the same UpdateItem of the atom's item, by hand",
        baseline: "UpdateItem ADD of a plain item, by hand",
        run: async () => {
          const state = byHand[turn.hand++ % ITEMS] as (typeof byHand)[0];
          const id = newWriteId();
          const writes = nextWriteIds(state.writes, id);
          const basis = { exists: true, version: state.version, writes: state.writes };
          const input = updateAtom(
            table,
            state.key,
            addOne.changes,
            basis,
            { version: { N: String(state.version + 1) }, writes: buildWriteIds(writes) },
            undefined,
          );
          await client.send(new UpdateItemCommand(input));
          state.version++;
          state.writes = writes;
        },
      },
      {
        name: "update().add() of a counter",
        baseline: "UpdateItem ADD of a plain item, by hand",
        goal: 1.1,
        get note() {
          return updates === 0 ? "" : `${(updateRequests / updates).toFixed(2)} requests/update`;
        },
        run: async () => {
          const name = names[turn.update++ % ITEMS] as string;
          const before = sent.n;
          await store.update(Counter, { name }).add({ n: 1 }).go();
          updateRequests += sent.n - before;
          updates++;
        },
      },
      {
        name: `${CALLERS} hand-written ADD loops × ${EACH} on one item`,
        baseline: `${CALLERS} hand-written ADD loops × ${EACH} on one item`,
        perRound: 2,
        warmup: 1,
        run: async () => {
          const name = `hot16-raw-${runs++}`;
          await client.send(new PutItemCommand({ TableName: table, Item: plainItem(name, 0, 1) }));
          await Promise.all(
            Array.from({ length: CALLERS }, async () => {
              for (let i = 0; i < EACH; i++) await client.send(handAdd(table, plainKey(name)));
            }),
          );
        },
      },
      contended("update", `${CALLERS} callers × ${EACH} update().add() on one counter`),
      contended("swap", `${CALLERS} handles × ${EACH} swaps on one counter`),
    ];
    return cases;
  },
});
