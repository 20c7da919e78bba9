import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { compareUtf8 } from "../encoding/index.js";
import type { SortRange } from "./range.js";

export type Order = "asc" | "desc";

/** The sort-key half of a KeyConditionExpression, and where its results leave the range. */
export interface SortPlan {
  readonly expression: string;
  readonly values: Record<string, AttributeValue>;
  /**
   * True for the first key past the range in the order read; it and all after it are dropped.
   * DynamoDB has no condition for a range open at one end and bounded at the other, so such a
   * range is read from its bounded end with a one-sided condition and stopped here.
   */
  readonly beyond?: (sortKey: string) => boolean;
}

const S = (value: string): AttributeValue => ({ S: value });

/** How to read a sort range in one order; undefined when it is empty. */
export function sortPlan(range: SortRange, order: Order): SortPlan | undefined {
  switch (range.kind) {
    case "empty":
      return undefined;
    case "eq":
      return { expression: "#sk = :sk", values: { ":sk": S(range.key) } };
    case "prefix":
      return { expression: "begins_with(#sk, :sk)", values: { ":sk": S(range.prefix) } };
    case "range": {
      const { lo, hi, loOpen, hiOpen } = range;
      const cmp = compareUtf8(lo, hi);
      if (cmp > 0 || (cmp === 0 && (loOpen || hiOpen))) return undefined;
      const between = {
        expression: "#sk BETWEEN :lo AND :hi",
        values: { ":lo": S(lo), ":hi": S(hi) },
      };
      if (loOpen) {
        // Ascending: start just above `lo`, stop past `hi`. Descending: stop on reaching `lo`.
        return order === "asc"
          ? {
              expression: "#sk > :lo",
              values: { ":lo": S(lo) },
              beyond: (sk) => compareUtf8(sk, hi) > 0,
            }
          : { ...between, beyond: (sk) => sk === lo };
      }
      if (hiOpen) {
        return order === "asc"
          ? { ...between, beyond: (sk) => sk === hi }
          : {
              expression: "#sk < :hi",
              values: { ":hi": S(hi) },
              beyond: (sk) => compareUtf8(sk, lo) < 0,
            };
      }
      return between;
    }
  }
}
