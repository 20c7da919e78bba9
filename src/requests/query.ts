import type { AttributeValue, QueryCommandInput } from "@aws-sdk/client-dynamodb";
import type { Item } from "../encoding/item.js";
import type { Compiled } from "../filter/compile.js";
import { type Projection, projectionInput } from "./projection.js";

/** One read of a partition of the table or of a GSI: which partition, which sort-key range. */
export interface IndexRead {
  readonly table: string;
  /** `gsi1`, `gsi2`, …: its keys are `<gsi>pk` and `<gsi>sk`; `""` for the table (`pk`, `sk`). */
  readonly gsi: string;
  readonly partition: string;
  /** The sort-key half of the key condition, on `#sk`. */
  readonly sort: { readonly expression: string; readonly values: Record<string, AttributeValue> };
  readonly ascending: boolean;
  readonly start: Item | undefined;
  readonly limit: number | undefined;
  /** The attributes to read; whole items when undefined. */
  readonly projection?: Projection | undefined;
  /** A strongly consistent read: the table only, as DynamoDB allows. */
  readonly consistent?: boolean;
  /** Only count the matches (`Select: COUNT`): no items come back. */
  readonly count?: boolean;
  /** A FilterExpression (placeholders `#c…`, `:c…`) DynamoDB runs on the items it reads. */
  readonly filter?: Compiled | undefined;
}

/**
 * The Query request for one page of a partition of the table or of an index.
 *
 * @example queryIndex({ table: "app", gsi: "gsi1", partition: "…", sort: { expression: "#sk = :sk", values: { ":sk": { S: "…" } } }, ascending: true, start: undefined, limit: 50 })
 */
export function queryIndex(read: IndexRead): QueryCommandInput {
  const { gsi, start, limit, filter } = read;
  const projected = projectionInput(read.count ? undefined : read.projection, {
    "#pk": `${gsi}pk`,
    "#sk": `${gsi}sk`,
    ...filter?.names,
  });
  return {
    TableName: read.table,
    ...(gsi === "" ? {} : { IndexName: gsi }),
    ...(read.consistent ? { ConsistentRead: true } : {}),
    KeyConditionExpression: `#pk = :pk AND ${read.sort.expression}`,
    ...(read.count ? { Select: "COUNT" as const } : {}),
    ...projected,
    ...(filter === undefined ? {} : { FilterExpression: filter.expression }),
    ExpressionAttributeValues: {
      ":pk": { S: read.partition },
      ...read.sort.values,
      ...filter?.values,
    },
    ScanIndexForward: read.ascending,
    ...(start === undefined ? {} : { ExclusiveStartKey: start }),
    ...(limit === undefined ? {} : { Limit: limit }),
  };
}
