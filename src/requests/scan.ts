import type { ScanCommandInput } from "@aws-sdk/client-dynamodb";
import type { Item } from "../encoding/item.js";
import type { Compiled } from "../filter/compile.js";
import { type Projection, projectionInput } from "./projection.js";

/** One page of a scan of the whole table (or of one segment of it) for one atom type's items. */
export interface AtomScan {
  readonly table: string;
  /** The atom type's name, as ElectroDB records it in `__edb_e__`. */
  readonly atom: string;
  /** The key to continue after (the previous page's LastEvaluatedKey). */
  readonly start: Item | undefined;
  /** Items read per page before the filter; undefined lets DynamoDB fill 1 MB. */
  readonly limit?: number | undefined;
  /** Strongly consistent (a backup taken after a write must hold it). Default true. */
  readonly consistent?: boolean;
  /** One of `total` segments read in parallel (DynamoDB's Segment / TotalSegments). */
  readonly segment?: { readonly index: number; readonly total: number } | undefined;
  /** The attributes to read; whole items when undefined. */
  readonly projection?: Projection | undefined;
  /** A filter on the value's fields, ANDed with the atom type's (placeholders `#c…`, `:c…`). */
  readonly filter?: Compiled | undefined;
}

/**
 * The Scan request for one page of an atom type's items.
 *
 * @example scanAtom({ table: "app", atom: "account", start: undefined })
 */
export function scanAtom(scan: AtomScan): ScanCommandInput {
  const { start, limit, segment, filter } = scan;
  return {
    TableName: scan.table,
    FilterExpression: filter === undefined ? "#e = :e" : `#e = :e AND ${filter.expression}`,
    ...projectionInput(scan.projection, { "#e": "__edb_e__", ...filter?.names }),
    ExpressionAttributeValues: { ":e": { S: scan.atom }, ...filter?.values },
    ConsistentRead: scan.consistent ?? true,
    ...(segment === undefined ? {} : { Segment: segment.index, TotalSegments: segment.total }),
    ...(start === undefined ? {} : { ExclusiveStartKey: start }),
    ...(limit === undefined ? {} : { Limit: limit }),
  };
}
