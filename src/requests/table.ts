import type {
  AttributeDefinition,
  CreateTableCommandInput,
  GlobalSecondaryIndex,
} from "@aws-sdk/client-dynamodb";
import type { IndexShape } from "../schema/types.js";

/** The generic GSIs (`gsi1`, `gsi2`, …) the given indexes use, sorted by number. */
export function neededIndexes(indexes: Iterable<IndexShape>): string[] {
  const names = new Set<string>();
  for (const index of indexes) names.add(index.gsi);
  return [...names].sort((a, b) => Number(a.slice(3)) - Number(b.slice(3)));
}

/** One generic GSI: string keys `<gsi>pk`, `<gsi>sk`, every attribute projected. */
export function gsiDefinition(gsi: string): GlobalSecondaryIndex {
  return {
    IndexName: gsi,
    KeySchema: [
      { AttributeName: `${gsi}pk`, KeyType: "HASH" },
      { AttributeName: `${gsi}sk`, KeyType: "RANGE" },
    ],
    Projection: { ProjectionType: "ALL" },
  };
}

/** The key attributes of the table and of these GSIs: all strings. */
export function attributeDefinitions(gsis: readonly string[]): AttributeDefinition[] {
  return ["pk", "sk", ...gsis.flatMap((gsi) => [`${gsi}pk`, `${gsi}sk`])].map((name) => ({
    AttributeName: name,
    AttributeType: "S" as const,
  }));
}

/**
 * The table dynatom's atoms live in: keys `pk`/`sk` (strings), one GSI per generic index the
 * atoms use, on-demand. `stream` adds a stream of old and new images (the change feed reads it).
 *
 * @example createTable("app", ["gsi1"], { stream: true })
 */
export function createTable(
  table: string,
  gsis: readonly string[],
  options: { readonly stream?: boolean } = {},
): CreateTableCommandInput {
  return {
    TableName: table,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: attributeDefinitions(gsis),
    KeySchema: [
      { AttributeName: "pk", KeyType: "HASH" },
      { AttributeName: "sk", KeyType: "RANGE" },
    ],
    ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis.map(gsiDefinition) } : {}),
    ...(options.stream
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" } }
      : {}),
  };
}
