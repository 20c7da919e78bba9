import { type AttributeValue, QueryCommand } from "@aws-sdk/client-dynamodb";
import { nowSeconds, TTL_ATTRIBUTE } from "../schema/bookkeeping.js";
import { partitionKey, sortKey } from "../schema/keys.js";
import type { StoreCore } from "../store/core.js";
import { KvValue } from "./definitions.js";
import { invalidOption } from "./names.js";

/** One key of a listing. */
export interface KeyInfo {
  readonly key: string;
  readonly version: number;
  /** When the key expires, if it was set with `ttlSeconds`. */
  readonly expiresAt?: Date;
}

/** One page of `listPage`. */
export interface KeyPage {
  readonly keys: KeyInfo[];
  /** Where the next page starts; absent on the last page. */
  readonly cursor?: string;
}

/** How a listing reads. */
export interface ListOptions {
  /** Only keys starting with this string. */
  readonly prefix?: string;
  /** Read strongly consistently (default true): every write acknowledged before is listed. */
  readonly consistent?: boolean;
}

export interface ListPageOptions extends ListOptions {
  /** The most keys on the page (1 to 1,000; default 100). */
  readonly limit?: number;
  /** The `cursor` of the page before. */
  readonly cursor?: string;
}

const NAMES = { "#pk": "pk", "#sk": "sk", "#k": "key", "#v": "_ver", "#t": TTL_ATTRIBUTE };

/** The cursor after `key`: the key itself, opaque to callers. */
function cursorOf(key: string): string {
  return Buffer.from(key, "utf8").toString("base64url");
}

function keyFromCursor(namespace: string, prefix: string, cursor: unknown): string {
  if (typeof cursor === "string" && /^[A-Za-z0-9_-]+$/.test(cursor)) {
    const key = Buffer.from(cursor, "base64url").toString("utf8");
    if (key.startsWith(prefix) && cursorOf(key) === cursor) return key;
  }
  throw invalidOption(
    namespace,
    "",
    "cursor",
    `is not a cursor of this listing (prefix ${JSON.stringify(prefix)}): pass the cursor the page before returned`,
  );
}

/**
 * One page of a namespace's live keys in key order (UTF-8 byte order), read from the namespace's
 * partition with only the key, version and expiry projected. Expired keys are skipped, and the
 * page is filled from the following reads, so a page is short only at the end.
 */
export async function listPage(
  core: StoreCore,
  namespace: string,
  options: { prefix: string; limit: number; cursor?: string | undefined; consistent: boolean },
): Promise<KeyPage> {
  const { prefix, limit, consistent } = options;
  const pk: AttributeValue = { S: partitionKey(KvValue.name, ["ns"], { ns: namespace }) };
  const skPrefix = sortKey(KvValue.name, ["key"], { key: prefix }, false);
  let after =
    options.cursor === undefined
      ? undefined
      : sortKey(
          KvValue.name,
          ["key"],
          { key: keyFromCursor(namespace, prefix, options.cursor) },
          false,
        );
  // One key more than the page holds tells whether another page follows: a page whose cursor
  // leads to nothing would cost the caller a request for an empty page.
  const keys: KeyInfo[] = [];
  const want = limit + 1;
  const now = nowSeconds();
  for (;;) {
    const start: Record<string, AttributeValue> | undefined =
      after === undefined ? undefined : { pk, sk: { S: after } };
    const page = await core.executor.read(
      () =>
        new QueryCommand({
          TableName: core.table,
          KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
          ProjectionExpression: "#sk, #k, #v, #t",
          ExpressionAttributeNames: NAMES,
          ExpressionAttributeValues: { ":pk": pk, ":prefix": { S: skPrefix } },
          ConsistentRead: consistent,
          Limit: want - keys.length,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      core.retry,
    );
    for (const item of page.Items ?? []) {
      after = item.sk?.S;
      const ttl = item[TTL_ATTRIBUTE]?.N;
      const key = item.key?.S;
      if ((ttl !== undefined && Number(ttl) <= now) || key === undefined) continue;
      keys.push({
        key,
        version: Number(item._ver?.N ?? 0),
        ...(ttl === undefined ? {} : { expiresAt: new Date(Number(ttl) * 1000) }),
      });
    }
    if (keys.length === want) {
      keys.pop();
      return { keys, cursor: cursorOf((keys.at(-1) as KeyInfo).key) };
    }
    if (page.LastEvaluatedKey === undefined) return { keys };
  }
}
