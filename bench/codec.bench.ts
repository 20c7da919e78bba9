// The codec against the bare alternative it is built on: superjson for the types, the SDK's
// marshall for the attribute values (and the reverse to read). No I/O: CPU only.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { decodeItem, encodeItem, itemSize } from "dynatom";
import { SuperJSON } from "superjson";
import type { BenchCase } from "./harness.js";
import { defineSuite } from "./harness.js";

const superjson = new SuperJSON();

function bareEncode(value: Record<string, unknown>): Record<string, AttributeValue> {
  const { json, meta } = superjson.serialize(value);
  return marshall(
    { ...(json as Record<string, unknown>), _meta: JSON.stringify(meta ?? {}) },
    { removeUndefinedValues: true },
  );
}

function bareDecode(item: Record<string, AttributeValue>): unknown {
  const { _meta, ...json } = unmarshall(item);
  return superjson.deserialize({ json, meta: JSON.parse(_meta as string) });
}

const small = {
  id: "u-42",
  name: "Ada",
  email: "ada@example.com",
  age: 36,
  active: true,
  tags: ["a", "b"],
};

const records = {
  records: Array.from({ length: 100 }, (_, i) => ({
    id: `r${i}`,
    createdAt: new Date(1_700_000_000_000 + i * 1000),
    updatedAt: new Date(1_700_000_500_000 + i * 1000),
    attrs: new Map<string, unknown>([
      ["color", i % 2 ? "red" : "blue"],
      ["size", i],
      ["seen", new Date(1_700_000_900_000)],
    ]),
    score: i / 7,
  })),
};

const large = {
  rows: Array.from({ length: 1120 }, (_, i) => ({
    id: `row-${i}`,
    title: `A row of moderate length, number ${i}`,
    amount: i * 1.25,
    at: new Date(1_700_000_000_000 + i),
    flags: [i % 2 === 0, i % 3 === 0],
  })),
};

function pair(label: string, value: Record<string, unknown>): BenchCase[] {
  const ours = encodeItem(value);
  const bare = bareEncode(value);
  const baseline = `superjson+marshall ${label}`;
  return [
    {
      name: baseline,
      baseline,
      note: `stored ${itemSize(bare).toLocaleString("en")} B`,
      run: () => bareDecode(bareEncode(value)),
    },
    {
      name: `encode+decode ${label}`,
      baseline,
      goal: 1.2,
      note: `stored ${itemSize(ours).toLocaleString("en")} B`,
      run: () => decodeItem(encodeItem(value)),
    },
  ];
}

export default defineSuite({
  name: "codec",
  async setup() {
    return [
      ...pair("(a) small plain object", small),
      ...pair("(b) 100 records, dates+maps", records),
      ...pair("(c) ~150 KB value", large),
    ];
  },
});
