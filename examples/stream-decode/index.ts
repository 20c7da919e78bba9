/**
 * A Lambda fed by a DynamoDB stream gets items as attribute values (`NewImage`, `OldImage`).
 * `X.decode(image)` turns one back into a typed value with no I/O (migrating older schema
 * versions); `X.encode(value)` makes the item dynatom stores. No DynamoDB needed here.
 */
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { defineAtom, type InferAtom, toDynamoJson } from "dynatom";
import * as v from "valibot";

const Order = defineAtom({
  name: "order",
  version: 1,
  schema: v.object({
    id: v.string(),
    customer: v.string(),
    total: v.bigint(),
    placedAt: v.date(),
    lines: v.array(v.object({ sku: v.string(), qty: v.number() })),
  }),
  key: ["id"],
  indexes: { byCustomer: { pk: ["customer"], sk: ["placedAt"] } },
});
type Order = InferAtom<typeof Order>;

/** The shape of a DynamoDB stream event, as Lambda delivers it. */
interface StreamEvent {
  Records: { eventName: string; dynamodb: { NewImage?: Record<string, AttributeValue> } }[];
}

export function handler(event: StreamEvent): string[] {
  return event.Records.flatMap(({ dynamodb }) => {
    if (!dynamodb.NewImage) return [];
    const order: Order = Order.decode(dynamodb.NewImage);
    return [
      `${order.customer} ordered ${order.lines.length} line(s) for ${order.total} on ${order.placedAt.toISOString()}`,
    ];
  });
}

const image = Order.encode({
  id: "o-1",
  customer: "ada",
  total: 12_999n,
  placedAt: new Date("2026-11-23T09:00:00Z"),
  lines: [{ sku: "book", qty: 2 }],
});
console.log("The stored item, as the console shows it:");
console.log(toDynamoJson(image));
console.log(
  handler({ Records: [{ eventName: "INSERT", dynamodb: { NewImage: image } }] }).join("\n"),
);
