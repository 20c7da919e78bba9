import type { AttributeValue, QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { type Projection, projectionInput } from "./projection.js";

type Item = Record<string, AttributeValue>;

/** One read of a GSI partition: which index, which partition, which sort-key range. */
export interface IndexRead {
  readonly table: string;
  /** `gsi1`, `gsi2`, …: its keys are `<gsi>pk` and `<gsi>sk`. */
  readonly gsi: string;
  readonly partition: string;
  /** The sort-key half of the key condition, on `#sk`. */
  readonly sort: { readonly expression: string; readonly values: Record<string, AttributeValue> };
  readonly ascending: boolean;
  readonly start: Item | undefined;
  readonly limit: number | undefined;
  /** The attributes to read; whole items when undefined. */
  readonly projection?: Projection | undefined;
}

/**
 * The Query request for one page of an index partition.
 *
 * @example queryIndex({ table: "app", gsi: "gsi1", partition: "…", sort: { expression: "#sk = :sk", values: { ":sk": { S: "…" } } }, ascending: true, start: undefined, limit: 50 })
 */
export function queryIndex(read: IndexRead): QueryCommandInput {
  const { gsi, start, limit } = read;
  return {
    TableName: read.table,
    IndexName: gsi,
    KeyConditionExpression: `#pk = :pk AND ${read.sort.expression}`,
    ...projectionInput(read.projection, { "#pk": `${gsi}pk`, "#sk": `${gsi}sk` }),
    ExpressionAttributeValues: { ":pk": { S: read.partition }, ...read.sort.values },
    ScanIndexForward: read.ascending,
    ...(start === undefined ? {} : { ExclusiveStartKey: start }),
    ...(limit === undefined ? {} : { Limit: limit }),
  };
}
