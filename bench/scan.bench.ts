// store.scan of 20,000 atoms in 4 segments against a hand-written parallel Scan (4 segments, the
// same 4 requests in flight) of 20,000 plain items that only unmarshalls them: the same fields
// and a `version`, in a table of their own, as a user keeps them by hand. The atoms' table holds
// only the atoms too, so both sides read the same number of items; dynatom's filter on the
// atom type then keeps every item. Each run takes seconds: few rounds (`rounds` below).
// BENCH_QUICK=1: 4,000.
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { createStore, defineAtom, type InferAtom, itemSize } from "dynatom";
import * as v from "valibot";
import { type BenchCase, createKeyedTable, defineSuite, endpointOf } from "./harness.js";

const quick = process.env.BENCH_QUICK === "1";
const ITEMS = quick ? 4_000 : 20_000;
const SEGMENTS = 4;
/** Rounds of this suite (bench/run.ts reads it). */
export const rounds = quick ? 2 : 5;

const Order = defineAtom({
  name: "order",
  version: 1,
  schema: v.object({
    shop: v.string(),
    id: v.string(),
    title: v.string(),
    qty: v.number(),
    at: v.date(),
  }),
  key: { pk: ["shop"], sk: ["id"] },
});
type Order = InferAtom<typeof Order>;
type Item = Record<string, AttributeValue>;

function orders(): Order[] {
  return Array.from({ length: ITEMS }, (_, i) => ({
    shop: `s${i % 50}`,
    id: `o-${i}`,
    title: `order number ${i} of a shop`,
    qty: i % 17,
    at: new Date(1_700_000_000_000 + i * 60_000),
  }));
}

/** The plain item a user keeps by hand: the fields (the date as ISO text) and a version. */
function plainItem(o: Order): Item {
  return marshall({
    pk: `shop#${o.shop}`,
    sk: `order#${o.id}`,
    shop: o.shop,
    id: o.id,
    title: o.title,
    qty: o.qty,
    at: o.at.toISOString(),
    version: 1,
  });
}

/** The hand-written scan: 4 segments at once, each page unmarshalled as it comes. */
async function rawScan(client: DynamoDBClient, table: string): Promise<number> {
  let count = 0;
  await Promise.all(
    Array.from({ length: SEGMENTS }, async (_, segment) => {
      let start: Item | undefined;
      do {
        const page = await client.send(
          new ScanCommand({
            TableName: table,
            Segment: segment,
            TotalSegments: SEGMENTS,
            ...(start === undefined ? {} : { ExclusiveStartKey: start }),
          }),
        );
        for (const item of page.Items ?? []) {
          unmarshall(item);
          count++;
        }
        start = page.LastEvaluatedKey;
      } while (start !== undefined);
    }),
  );
  return count;
}

export default defineSuite({
  name: "scan",
  async setup({ client, table }) {
    const plainTable = `${table}-plain`;
    await createKeyedTable(client, plainTable);
    const endpoint = await endpointOf(client);
    const store = createStore({ table, atoms: [Order], ...(endpoint && { endpoint }) });
    const values = orders();
    await store.putItems(Order, values, { concurrency: 8 });
    for (let i = 0; i < values.length; i += 25) {
      const chunk = values.slice(i, i + 25).map((o) => ({ PutRequest: { Item: plainItem(o) } }));
      let requests = chunk;
      while (requests.length > 0) {
        const out = await client.send(
          new BatchWriteItemCommand({ RequestItems: { [plainTable]: requests } }),
        );
        requests = (out.UnprocessedItems?.[plainTable] ?? []) as typeof chunk;
      }
    }
    const atomItem = Order.encode(values[0] as Order);
    const check = (side: string, n: number) => {
      if (n !== ITEMS) throw new Error(`${side} read ${n} items, not ${ITEMS}`);
    };
    const runs = { perRound: 1, warmup: 1 };
    const cases: BenchCase[] = [
      {
        name: `raw parallel Scan of plain items, ${ITEMS.toLocaleString("en")} (4 segments)`,
        baseline: `raw parallel Scan of plain items, ${ITEMS.toLocaleString("en")} (4 segments)`,
        note: `unmarshall only, ${itemSize(plainItem(values[0] as Order))} B/item`,
        ...runs,
        run: async () => check("raw", await rawScan(client, plainTable)),
      },
      {
        name: `store.scan, ${ITEMS.toLocaleString("en")} (4 segments)`,
        baseline: `raw parallel Scan of plain items, ${ITEMS.toLocaleString("en")} (4 segments)`,
        goal: 1.15,
        note: `decoded and checked values (Date restored), ${itemSize(atomItem)} B/item stored`,
        ...runs,
        run: async () => {
          let n = 0;
          for await (const page of store.scan(Order, { segments: SEGMENTS }))
            n += page.items.length;
          check("store.scan", n);
        },
      },
    ];
    return cases;
  },
});
