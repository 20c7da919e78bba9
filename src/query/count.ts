import { type AttributeValue, QueryCommand } from "@aws-sdk/client-dynamodb";
import { liveFilter } from "../filter/compile.js";
import { queryIndex } from "../requests/query.js";
import { nowSeconds } from "../schema/bookkeeping.js";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { type SortPlan, sortPlan } from "./plan.js";
import type { SortRange } from "./range.js";

/**
 * How many live items of one index partition lie in a sort range, counted by DynamoDB
 * (`Select: COUNT`): no item is sent back. A half-open range is read up to a key and stopped
 * there (see `sortPlan`), which a count cannot do: the closed range is counted, less the ends it
 * leaves out.
 */
export async function countRange(
  core: StoreCore,
  definition: AtomDefinition,
  gsi: string,
  partition: string,
  range: SortRange,
  consistent: boolean,
): Promise<number> {
  const count = async (plan: SortPlan | undefined): Promise<number> => {
    if (plan === undefined) return 0;
    let total = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const input = queryIndex({
        table: core.table,
        gsi,
        partition,
        sort: plan,
        ascending: true,
        start,
        limit: undefined,
        consistent,
        count: true,
        ...(definition.ttl === undefined ? {} : { filter: liveFilter(nowSeconds()) }),
      });
      const result = await core.executor.read(() => new QueryCommand(input), core.retry);
      total += result.Count ?? 0;
      start = result.LastEvaluatedKey;
    } while (start !== undefined);
    return total;
  };
  if (range.kind !== "range") return count(sortPlan(range, "asc"));
  const closed = sortPlan({ ...range, loOpen: false, hiOpen: false }, "asc");
  if (closed === undefined || sortPlan(range, "asc") === undefined) return 0;
  const end = (key: string) => sortPlan({ kind: "eq", key }, "asc");
  const [all, low, high] = await Promise.all([
    count(closed),
    range.loOpen ? count(end(range.lo)) : 0,
    range.hiOpen ? count(end(range.hi)) : 0,
  ]);
  return all - low - high;
}
