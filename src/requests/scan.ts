import type { AttributeValue, ScanCommandInput } from "@aws-sdk/client-dynamodb";

type Item = Record<string, AttributeValue>;

/** One page of a scan of the whole table for the items of one atom type. */
export interface AtomScan {
  readonly table: string;
  /** The atom type's name, as ElectroDB records it in `__edb_e__`. */
  readonly atom: string;
  /** The key to continue after (the previous page's LastEvaluatedKey). */
  readonly start: Item | undefined;
  /** Items read per page before the filter; undefined lets DynamoDB fill 1 MB. */
  readonly limit?: number | undefined;
}

/**
 * The Scan request for one page of an atom type's items. Strongly consistent: a backup taken
 * after a write must hold it.
 *
 * @example scanAtom({ table: "app", atom: "account", start: undefined })
 */
export function scanAtom(scan: AtomScan): ScanCommandInput {
  const { start, limit } = scan;
  return {
    TableName: scan.table,
    FilterExpression: "#e = :e",
    ExpressionAttributeNames: { "#e": "__edb_e__" },
    ExpressionAttributeValues: { ":e": { S: scan.atom } },
    ConsistentRead: true,
    ...(start === undefined ? {} : { ExclusiveStartKey: start }),
    ...(limit === undefined ? {} : { Limit: limit }),
  };
}
