import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { bothFilters, compileFilter, liveFilter } from "../filter/compile.js";
import { evaluate } from "../filter/evaluate.js";
import { buildWhere, type WhereFn } from "../filter/where.js";
import { scanAtom } from "../requests/scan.js";
import { expired, nowSeconds } from "../schema/bookkeeping.js";
import { readProjections } from "../schema/projection.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { invalidOption, MAX_SEGMENTS, wholeOption } from "./options.js";

/** Options of `store.scan`. */
export interface ScanOptions<T = unknown> {
  /**
   * How many parts DynamoDB splits the table into, each read on its own (TotalSegments): more
   * segments read a large table faster. Default 1, at most 1,000,000.
   */
  readonly segments?: number;
  /** How many segments are read at once. Default: the segments, at most 4. */
  readonly concurrency?: number;
  /** Items DynamoDB reads per request, before keeping this type's; default: up to 1 MB. */
  readonly limit?: number;
  /** Read strongly consistently (twice the read units). Default false. */
  readonly consistent?: boolean;
  /**
   * Only the items that meet this condition on the value's fields (run by DynamoDB as a
   * FilterExpression, then exactly on each decoded value). A page may then come back empty.
   */
  readonly filter?: WhereFn<T>;
}

/** One page of a scan: decoded values, and the segment it came from. */
export interface ScanPage<T> {
  readonly items: T[];
  readonly segment: number;
}

/**
 * Reads every item of one atom type, in pages as DynamoDB returns them: `segments` parts of the
 * table, `concurrency` of them read at a time, pages of different segments in the order they
 * arrive. A page is asked for only when the one before it of its segment has been taken, so a
 * slow consumer holds at most `concurrency` pages. Other atom types' items are filtered out by
 * DynamoDB; only the attributes decoded are read.
 *
 * @example for await (const page of scanItems(core, Account, { segments: 4 })) use(page.items);
 */
export async function* scanItems(
  core: StoreCore,
  definition: AtomDefinition,
  given?: ScanOptions | null,
): AsyncIterableIterator<ScanPage<unknown>> {
  const options = given ?? {};
  const atom = definition.name;
  const total = wholeOption("scan", atom, "segments", options.segments ?? 1, MAX_SEGMENTS);
  const concurrency = wholeOption(
    "scan",
    atom,
    "concurrency",
    options.concurrency ?? Math.min(total, 4),
    MAX_SEGMENTS,
  );
  const limit =
    options.limit === undefined
      ? undefined
      : wholeOption("scan", atom, "limit", options.limit, 2 ** 31);
  const consistent = options.consistent ?? false;
  if (typeof consistent !== "boolean") {
    const reason = `consistent must be true or false, not ${String(consistent)}`;
    throw invalidOption("scan", atom, "consistent", reason);
  }
  const cond = options.filter === undefined ? undefined : buildWhere(definition, options.filter);
  const compiled = cond === undefined ? true : compileFilter(definition, cond);
  // A filter no item can meet reads nothing.
  if (compiled === false) return;
  const projection = definition.indexes.length > 0 ? readProjections(definition).find : undefined;
  type SegmentPage = {
    readonly segment: number;
    readonly page: Awaited<ReturnType<typeof readPage>>;
  };
  const readPage = (segment: number, start: Record<string, never> | undefined) =>
    core.executor.read(
      () =>
        new ScanCommand(
          scanAtom({
            table: core.table,
            atom,
            start,
            limit,
            consistent,
            projection,
            segment: total > 1 ? { index: segment, total } : undefined,
            filter: bothFilters(
              compiled === true ? undefined : compiled,
              definition.ttl === undefined ? undefined : liveFilter(nowSeconds()),
            ),
          }),
        ),
      core.retry,
    );
  const inFlight = new Map<number, Promise<SegmentPage>>();
  const read = (segment: number, start?: Record<string, never>) => {
    const pending = readPage(segment, start).then((page) => ({ segment, page }));
    // A consumer that stops early leaves reads behind: their failures are nobody's.
    pending.catch(() => {});
    inFlight.set(segment, pending);
  };
  let next = 0;
  while (next < Math.min(concurrency, total)) read(next++);
  while (inFlight.size > 0) {
    const { segment, page } = await Promise.race(inFlight.values());
    inFlight.delete(segment);
    const start = page.LastEvaluatedKey as Record<string, never> | undefined;
    if (start !== undefined) read(segment, start);
    else if (next < total) read(next++);
    // A page of other types' items only comes back empty: nothing to hand on.
    if (page.Items === undefined || page.Items.length === 0) continue;
    const live =
      definition.ttl === undefined ? page.Items : page.Items.filter((item) => !expired(item));
    const items = live.map((item) => definition.decode(item));
    yield {
      items: cond === undefined ? items : items.filter((value) => evaluate(cond, value)),
      segment,
    };
  }
}
