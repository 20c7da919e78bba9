import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { combined } from "../atom/lane.js";
import type { Target } from "../atom/write.js";
import type { Item } from "../encoding/item.js";
import { live, seenFrom } from "../protocol/state.js";
import { fingerprint } from "../query/cursor.js";
import { scanAtom } from "../requests/scan.js";
import { SCHEMA_VERSION_ATTRIBUTE, TTL_ATTRIBUTE, ttlOf } from "../schema/bookkeeping.js";
import { formatStoredKey, indexKeys } from "../schema/keys.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { invalidOption, MAX_SEGMENTS, wholeOption } from "./options.js";

/** Options of `store.backfill`. */
export interface BackfillOptions {
  /** Parts of the table scanned apart, as in `scan`. Default 1. */
  readonly segments?: number;
  /** Items rewritten at once. Default 8. */
  readonly concurrency?: number;
  /** Items DynamoDB reads per request; default: up to 1 MB. */
  readonly limit?: number;
  /** Where an earlier backfill of this atom type stopped: the last `cursor` it reported. */
  readonly cursor?: string;
  /** Called after each page of the scan, once its items are rewritten. */
  readonly onProgress?: (progress: BackfillProgress) => void;
}

export interface BackfillProgress {
  /** Items of the type read so far, in this call. */
  readonly scanned: number;
  /** Of those, items rewritten. */
  readonly rewritten: number;
  /** Pass it as `cursor` to go on from here after a failure; undefined once done. */
  readonly cursor: string | undefined;
}

export type BackfillResult = Omit<BackfillProgress, "cursor">;

/** Per segment, where its scan goes on: a table key, `null` before its first page, or done. */
type Position = { readonly pk: string; readonly sk: string } | null | "done";

interface Cursor {
  readonly atom: string;
  readonly positions: readonly Position[];
  /** A digest of the rest, so that a cut or altered cursor is told from a real one. */
  readonly h: string;
}

function isPosition(position: unknown): position is Position {
  if (position === null || position === "done") return true;
  if (typeof position !== "object" || Array.isArray(position)) return false;
  const { pk, sk, ...rest } = position as Record<string, unknown>;
  return typeof pk === "string" && typeof sk === "string" && Object.keys(rest).length === 0;
}

function readCursor(atom: string, text: unknown): Position[] {
  try {
    if (typeof text === "string") {
      const cursor = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Cursor;
      const { positions } = cursor;
      if (
        cursor.atom === atom &&
        Array.isArray(positions) &&
        positions.length > 0 &&
        positions.length <= MAX_SEGMENTS &&
        positions.every(isPosition) &&
        cursor.h === fingerprint([atom, positions])
      ) {
        return [...positions];
      }
    }
  } catch {}
  throw invalidOption(
    "backfill",
    atom,
    "cursor",
    "the cursor is not one a backfill of this atom type reported",
  );
}

const writeCursor = (atom: string, positions: readonly Position[]) =>
  Buffer.from(
    JSON.stringify({ atom, positions, h: fingerprint([atom, positions]) }),
    "utf8",
  ).toString("base64url");

/**
 * Whether a stored item differs from what this definition writes for its value: an older schema
 * version, index keys missing or stale (an index added since it was written), or an expiry
 * (`_ttl`) missing or stale (a `ttl` declared since, or dropped). Key fields cannot transform,
 * so the value read gives the keys a write would store.
 */
function stale(definition: AtomDefinition, item: Item, value: unknown): boolean {
  if (item[SCHEMA_VERSION_ATTRIBUTE]?.N !== String(definition.version)) return true;
  const { ttl } = definition;
  const expiry = ttl === undefined ? undefined : ttlOf((value as Record<string, unknown>)[ttl]);
  if (expiry?.N !== item[TTL_ATTRIBUTE]?.N) return true;
  const fresh = indexKeys(definition.name, definition.indexes, value as Record<string, unknown>);
  for (const name of Object.keys(fresh)) {
    if (fresh[name]?.S !== item[name]?.S) return true;
  }
  return false;
}

/**
 * Rewrites every item of an atom type that its definition would write differently: items of an
 * older schema version (migrated) and items lacking the keys of indexes added since. Each rewrite
 * is a swap that writes the value back, conditional on the item as it was read, so a concurrent
 * change is never overwritten: the swap runs again on it. Items deleted meanwhile are left alone.
 *
 * @example await backfillItems(core, Account, { onProgress: ({ scanned, rewritten }) => log(scanned, rewritten) });
 */
export async function backfillItems(
  core: StoreCore,
  definition: AtomDefinition,
  given?: BackfillOptions | null,
): Promise<BackfillResult> {
  const options = given ?? {};
  const atom = definition.name;
  const whole = (option: string, value: unknown, max: number) =>
    wholeOption("backfill", atom, option, value, max);
  const concurrency = whole("concurrency", options.concurrency ?? 8, 1_000);
  const limit = options.limit === undefined ? undefined : whole("limit", options.limit, 2 ** 31);
  const { onProgress } = options;
  if (onProgress !== undefined && typeof onProgress !== "function") {
    throw invalidOption("backfill", atom, "onProgress", "onProgress must be a function");
  }
  const positions: Position[] =
    options.cursor === undefined
      ? Array.from({ length: whole("segments", options.segments ?? 1, MAX_SEGMENTS) }, () => null)
      : readCursor(atom, options.cursor);
  const total = positions.length;
  let scanned = 0;
  let rewritten = 0;

  const rewrite = async (item: Item) => {
    const seen = seenFrom(definition, item);
    // An expired item is absent: nothing to rewrite (DynamoDB deletes it).
    if (!live(seen) || !stale(definition, item, seen.value)) return;
    const target: Target = {
      core,
      definition,
      key: { pk: item.pk as AttributeValue, sk: item.sk as AttributeValue },
      keyText: formatStoredKey(definition.key, item),
      retry: core.retry,
    };
    const applied = await combined(target, seen, {
      // The value as it is when the write goes out: a concurrent change is kept, not undone.
      decide: (current) => (current === undefined ? { stop: true } : { write: current }),
      initial: undefined,
    });
    if (applied.written) rewritten++;
  };

  for (let segment = 0; segment < total; segment++) {
    for (;;) {
      const at = positions[segment];
      if (at === undefined || at === "done") break;
      const page = await core.executor.read(
        () =>
          new ScanCommand(
            scanAtom({
              table: core.table,
              atom,
              start: at === null ? undefined : { pk: { S: at.pk }, sk: { S: at.sk } },
              limit,
              consistent: true,
              segment: total > 1 ? { index: segment, total } : undefined,
            }),
          ),
        core.retry,
      );
      const items = page.Items ?? [];
      scanned += items.length;
      for (let i = 0; i < items.length; i += concurrency) {
        // Every rewrite of a group ends before a failure is reported: nothing is still being
        // written when the call has failed.
        const settled = await Promise.allSettled(items.slice(i, i + concurrency).map(rewrite));
        const failed = settled.find((result) => result.status === "rejected");
        if (failed !== undefined) throw failed.reason;
      }
      const next = page.LastEvaluatedKey;
      positions[segment] =
        next === undefined ? "done" : { pk: next.pk?.S ?? "", sk: next.sk?.S ?? "" };
      const done = positions.every((position) => position === "done");
      onProgress?.({ scanned, rewritten, cursor: done ? undefined : writeCursor(atom, positions) });
    }
  }
  return { scanned, rewritten };
}
