import type { TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { assertSameKey } from "../atom/write.js";
import { itemSize } from "../encoding/index.js";
import type { Item } from "../encoding/item.js";
import { TransactionError, type TransactionOperationFailure } from "../errors/index.js";
import { afterWrite, bookkeeping, live, type Seen, ttlIn } from "../protocol/state.js";
import { conditionOn } from "../requests/conditions.js";
import { newWriteId, nowSeconds, TTL_ATTRIBUTE } from "../schema/bookkeeping.js";
import { tableKeyId } from "../schema/keys.js";
import type { StoreCore } from "../store/core.js";
import type { OpSpec } from "./ops.js";

/** TransactWriteItems takes at most 100 operations and 4 MB. */
const MAX_OPERATIONS = 100;
const MAX_BYTES = 4 * 1024 * 1024;

/** One operation as it will be sent, with what it returns and what it leaves its atom. */
export interface Planned {
  readonly request: TransactWriteItem;
  readonly bytes: number;
  readonly result: unknown;
  /** For a swap: the id its write carries, which shows in the item once committed. */
  readonly writeId?: string;
  /** For a swap or check: the state its atom is in once the transaction committed. */
  readonly after?: Seen;
  /** For a swap: the change, for the atom's watches. */
  readonly change?: { readonly old: unknown; readonly value: unknown };
}

export function operationFailure(
  spec: OpSpec,
  index: number,
  reason: string,
): TransactionOperationFailure {
  const who =
    spec.kind === "put" || spec.kind === "delete"
      ? { atom: spec.atom, key: spec.keyText }
      : { atom: spec.internals.target.definition.name, key: spec.internals.target.keyText };
  return { index, kind: spec.kind, ...who, reason };
}

export function cancelled(failures: readonly TransactionOperationFailure[]): TransactionError {
  const list = failures
    .map((f) => `operation ${f.index} (${f.kind} ${f.atom} ${f.key}): ${f.reason}`)
    .join("; ");
  return new TransactionError(
    "transaction.cancelled",
    `The transaction was cancelled and nothing was written: ${list}.`,
    { details: { failures } },
  );
}

export function tableKeyOf(spec: OpSpec): Item {
  return spec.kind === "put" || spec.kind === "delete" ? spec.key : spec.internals.target.key;
}

/** Refuses what DynamoDB would refuse, before anything is sent. */
export function checkShape(core: StoreCore, specs: readonly OpSpec[]): void {
  if (specs.length > MAX_OPERATIONS) {
    const reason = `${specs.length} operations; a transaction takes at most ${MAX_OPERATIONS}`;
    throw new TransactionError(
      "transaction.too-large",
      `The transaction was refused before anything was sent: ${reason}. Split it, or use putItems for writes that need not be atomic.`,
      { details: { operations: specs.length, bytes: 0, reason } },
    );
  }
  const seen = new Map<string, number>();
  specs.forEach((spec, i) => {
    const key = tableKeyOf(spec);
    const id = tableKeyId(key);
    const first = seen.get(id);
    if (first !== undefined) {
      const { atom, key: text } = operationFailure(spec, i, "");
      throw new TransactionError(
        "transaction.duplicate-item",
        `Operations ${first} and ${i} of the transaction both touch ${atom} ${text} (table "${core.table}"); ` +
          "DynamoDB allows one operation per item in a transaction, so nothing was sent.",
        { details: { atom, key: text, positions: [first, i] } },
      );
    }
    seen.set(id, i);
  });
}

export function checkBytes(bytes: number, operations: number): void {
  if (bytes > MAX_BYTES) {
    const reason = `its items hold ${bytes} bytes; a transaction takes at most ${MAX_BYTES}`;
    throw new TransactionError(
      "transaction.too-large",
      `The transaction was refused before any write was sent: ${reason}. Split it.`,
      { details: { operations, bytes, reason } },
    );
  }
}

/** The request for one operation, given the state its atom was read in. */
export function plan(
  core: StoreCore,
  spec: OpSpec,
  index: number,
  seen: Seen | undefined,
): Planned {
  const TableName = core.table;
  switch (spec.kind) {
    case "put":
      return {
        request: {
          Put: {
            TableName,
            Item: spec.item,
            ...(spec.ifAbsent ? presence("absent", spec.expires) : {}),
          },
        },
        bytes: itemSize(spec.item),
        result: spec.value,
      };
    case "delete":
      return {
        request: {
          Delete: {
            TableName,
            Key: spec.key,
            ...(spec.ifExists ? presence("present", spec.expires) : {}),
          },
        },
        bytes: itemSize(spec.key),
        result: undefined,
      };
    case "swap":
    case "check": {
      const { internals } = spec;
      const basis = seen as Seen;
      const current = live(basis) ? basis.value : internals.init;
      const Key = internals.target.key;
      if (spec.kind === "check") {
        if (!spec.test(current))
          throw cancelled([operationFailure(spec, index, "the check returned false")]);
        return {
          request: {
            ConditionCheck: {
              TableName,
              Key,
              ...conditionOn(basis),
              ReturnValuesOnConditionCheckFailure: "ALL_OLD",
            },
          },
          bytes: itemSize(Key),
          result: current,
          after: basis,
        };
      }
      const writeId = newWriteId();
      const { value, item } = internals.target.definition.prepare(
        spec.fn(current) as never,
        current as never,
      );
      assertSameKey(internals.target, value, item);
      const Item = { ...item, ...bookkeeping(basis, writeId) };
      return {
        request: {
          Put: {
            TableName,
            Item,
            ...conditionOn(basis),
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        bytes: itemSize(Item),
        result: value,
        writeId,
        after: {
          ...afterWrite(basis, writeId, value),
          ...ttlIn(internals.target.definition, Item),
        },
        change: { old: current, value },
      };
    }
  }
}

/**
 * The condition of `ifAbsent` / `ifExists`: an item of a type that expires items counts as
 * absent once expired, as every read sees it.
 */
function presence(
  want: "absent" | "present",
  expires: boolean,
): {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, { N: string }>;
} {
  if (!expires) {
    return {
      ConditionExpression:
        want === "absent" ? "attribute_not_exists(#pk)" : "attribute_exists(#pk)",
      ExpressionAttributeNames: { "#pk": "pk" },
    };
  }
  return {
    ConditionExpression:
      want === "absent"
        ? "(attribute_not_exists(#pk) OR #ttl <= :now)"
        : "(attribute_exists(#pk) AND (attribute_not_exists(#ttl) OR #ttl > :now))",
    ExpressionAttributeNames: { "#pk": "pk", "#ttl": TTL_ATTRIBUTE },
    ExpressionAttributeValues: { ":now": { N: String(nowSeconds()) } },
  };
}
