// One atom, one request: `deref` against a consistent GetItem of a plain item, and a warm `swap`
// against a hand-written conditional PutItem of a plain item (see bench/hand-written.ts). The
// atom's item is hot (a full window of write ids), so deref pays for the bookkeeping it reads;
// the plain item has only its fields and a version. Contention rows are in bench/hot.bench.ts.
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { createStore, defineAtom, itemSize } from "dynatom";
import * as v from "valibot";
import { getAtom } from "../src/requests/atom.js";
import { readProjections } from "../src/schema/projection.js";
import { conditionalPut, type PlainSeen, plainItem, plainKey } from "./hand-written.js";
import { type BenchCase, counting, defineSuite, sameClient } from "./harness.js";

const Counter = defineAtom({
  name: "counter",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number() }),
  key: ["name"],
});

export default defineSuite({
  name: "atom",
  async setup({ client, table }) {
    const own = await sameClient(client);
    const sentByAtoms = counting(own);
    const store = createStore({ table, atoms: [Counter], client: own });
    const hot = store.atom(Counter, { name: "hot" }, { init: { name: "hot", n: 0 } });
    // 40 writes fill the window of write ids, as on any atom written often.
    for (let i = 0; i < 40; i++) await hot.swap((c) => ({ ...c, n: c.n + 1 }));
    const hotKey = Counter.keyOf({ name: "hot" });

    await client.send(new PutItemCommand({ TableName: table, Item: plainItem("plain", 0, 1) }));
    let plain: PlainSeen = { version: 1, n: 0 };

    // What each read carries back, for the notes.
    const whole = (await client.send(new GetItemCommand({ TableName: table, Key: hotKey })))
      .Item as Record<string, never>;
    const lean = (
      await client.send(new GetItemCommand(getAtom(table, hotKey, readProjections(Counter).atom)))
    ).Item as Record<string, never>;
    const plainBytes = itemSize(plainItem("plain", 0, 1));

    let swaps = 0;
    let swapRequests = 0;
    const cases: BenchCase[] = [
      {
        name: "GetItem of a plain item (consistent)",
        baseline: "GetItem of a plain item (consistent)",
        note: `returns ${plainBytes} B: fields and version`,
        run: () =>
          client.send(
            new GetItemCommand({ TableName: table, Key: plainKey("plain"), ConsistentRead: true }),
          ),
      },
      {
        // What a read of the atom's item cost before lean reads: all of it, keys included.
        name: "GetItem of the atom's whole item (consistent)",
        baseline: "GetItem of a plain item (consistent)",
        note: `returns ${itemSize(whole)} B (${Object.keys(whole).length} attributes), no decoding`,
        run: () =>
          client.send(new GetItemCommand({ TableName: table, Key: hotKey, ConsistentRead: true })),
      },
      {
        name: "deref",
        baseline: "GetItem of a plain item (consistent)",
        goal: 1.1,
        note:
          `returns ${itemSize(lean)} B of the item's ${itemSize(whole)} B ` +
          `(${Object.keys(lean).length} of ${Object.keys(whole).length} attributes: no keys, ` +
          "no ElectroDB markers; 32 write ids)",
        run: () => hot.deref(),
      },
      {
        name: "conditional PutItem of a plain item",
        baseline: "conditional PutItem of a plain item",
        note: "version = :v, ALL_OLD; 1.00 requests/swap",
        run: async () => {
          await conditionalPut(client, table, "plain", plain);
          plain = { version: plain.version + 1, n: plain.n + 1 };
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
          await hot.swap((c) => ({ ...c, n: c.n + 1 }));
          swapRequests += sentByAtoms.n - before;
          swaps++;
        },
      },
    ];
    return cases;
  },
});
