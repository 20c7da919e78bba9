import type {
  AttributeValue,
  PutItemCommandInput,
  QueryCommandInput,
  UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";

/**
 * The change feed's bookkeeping items: one per group and shard, in the table itself. Their `pk`
 * starts with "dynatom.changes#" where an atom's starts with "$dynatom", so no query, scan or
 * read of an atom type meets them, and they carry no index keys.
 */
export const LEASE_PARTITION = "dynatom.changes#";

/** Where a shard's reading stands: a sequence number, or one of these. */
export const SHARD_END = "SHARD_END";

/** A lease item, as the feed reads it. */
export interface Lease {
  readonly shard: string;
  /** The reader that holds it; none when free. */
  readonly holder: string | undefined;
  /** Grows on every renewal: a count that stops growing for `leaseMs` is a dead holder's. */
  readonly counter: number;
  /** A sequence number (acknowledged up to it), TRIM_HORIZON, LATEST or SHARD_END. */
  readonly checkpoint: string;
}

export function leaseKey(
  group: string,
  label: string,
  shard: string,
): Record<string, AttributeValue> {
  return { pk: { S: `${LEASE_PARTITION}${group}` }, sk: { S: `${label}#${shard}` } };
}

/** Reads the group's leases of one stream (strongly consistent: takeovers compare counters). */
export function queryLeases(
  table: string,
  group: string,
  label: string,
  start?: Record<string, AttributeValue>,
): QueryCommandInput {
  return {
    TableName: table,
    KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :label)",
    ExpressionAttributeNames: { "#pk": "pk", "#sk": "sk" },
    ExpressionAttributeValues: {
      ":pk": { S: `${LEASE_PARTITION}${group}` },
      ":label": { S: `${label}#` },
    },
    ConsistentRead: true,
    ...(start === undefined ? {} : { ExclusiveStartKey: start }),
  };
}

/** The lease of an item read back; undefined for an item that is not one. */
export function leaseOf(item: Record<string, AttributeValue>): Lease | undefined {
  const sk = item.sk?.S;
  const checkpoint = item.checkpoint?.S;
  if (sk === undefined || checkpoint === undefined) return undefined;
  return {
    shard: sk.slice(sk.indexOf("#") + 1),
    holder: item.holder?.S,
    counter: Number(item.counter?.N ?? "0"),
    checkpoint,
  };
}

/** A shard's first lease, free, unless one is there already. */
export function createLease(
  table: string,
  group: string,
  label: string,
  shard: string,
  checkpoint: string,
): PutItemCommandInput {
  return {
    TableName: table,
    Item: {
      ...leaseKey(group, label, shard),
      checkpoint: { S: checkpoint },
      counter: { N: "0" },
      at: { S: new Date().toISOString() },
    },
    ConditionExpression: "attribute_not_exists(#pk)",
    ExpressionAttributeNames: { "#pk": "pk" },
  };
}

/** Takes a free lease, or a dead holder's, if its counter is still the one seen. */
export function takeLease(
  table: string,
  group: string,
  label: string,
  lease: Lease,
  holder: string,
): UpdateItemCommandInput {
  return {
    TableName: table,
    Key: leaseKey(group, label, lease.shard),
    UpdateExpression: "SET #h = :h, #c = :next, #at = :at",
    ConditionExpression: "#c = :c",
    ExpressionAttributeNames: { "#h": "holder", "#c": "counter", "#at": "at" },
    ExpressionAttributeValues: {
      ":h": { S: holder },
      ":c": { N: String(lease.counter) },
      ":next": { N: String(lease.counter + 1) },
      ":at": { S: new Date().toISOString() },
    },
  };
}

/**
 * Renews a lease this reader holds, with its checkpoint if given, or gives it up (`release`).
 * Refused once another reader holds it: that is the fencing of a reader that lost its lease.
 */
export function holdLease(
  table: string,
  group: string,
  label: string,
  shard: string,
  holder: string,
  checkpoint: string | undefined,
  release = false,
): UpdateItemCommandInput {
  const set = ["#c = #c + :one", "#at = :at"];
  const values: Record<string, AttributeValue> = {
    ":h": { S: holder },
    ":one": { N: "1" },
    ":at": { S: new Date().toISOString() },
  };
  if (checkpoint !== undefined) {
    set.push("#cp = :cp");
    values[":cp"] = { S: checkpoint };
  }
  return {
    TableName: table,
    Key: leaseKey(group, label, shard),
    UpdateExpression: `SET ${set.join(", ")}${release ? " REMOVE #h" : ""}`,
    ConditionExpression: "#h = :h",
    ExpressionAttributeNames: {
      "#h": "holder",
      "#c": "counter",
      "#at": "at",
      ...(checkpoint === undefined ? {} : { "#cp": "checkpoint" }),
    },
    ExpressionAttributeValues: values,
  };
}

/** A reader of a group says it is alive: `sk` `<label>#reader:<id>`, a counter that grows. */
const PRESENCE = "reader:";

export function presenceKey(
  group: string,
  label: string,
  reader: string,
): Record<string, AttributeValue> {
  return leaseKey(group, label, `${PRESENCE}${reader}`);
}

/**
 * A live reader of the group, as its presence item shows it: readers that hold no lease yet
 * count in the fair share too.
 */
export interface Presence {
  readonly reader: string;
  readonly counter: number;
}

/** The presence of an item read back; undefined for an item that is not one. */
export function presenceOf(item: Record<string, AttributeValue>): Presence | undefined {
  const sk = item.sk?.S;
  const at = sk?.indexOf(`#${PRESENCE}`) ?? -1;
  if (sk === undefined || at < 0 || item.checkpoint !== undefined) return undefined;
  return { reader: sk.slice(at + 1 + PRESENCE.length), counter: Number(item.counter?.N ?? "0") };
}

/** Renews a reader's presence (made on its first renewal). Repeating it is harmless. */
export function renewPresence(
  table: string,
  group: string,
  label: string,
  reader: string,
): UpdateItemCommandInput {
  return {
    TableName: table,
    Key: presenceKey(group, label, reader),
    UpdateExpression: "SET #c = if_not_exists(#c, :zero) + :one, #at = :at",
    ExpressionAttributeNames: { "#c": "counter", "#at": "at" },
    ExpressionAttributeValues: {
      ":zero": { N: "0" },
      ":one": { N: "1" },
      ":at": { S: new Date().toISOString() },
    },
  };
}
