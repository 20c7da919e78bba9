import { expect, expectArray, expectBytes, parseNumber, repeated } from "../expect.js";
import { numberToN } from "../limits.js";
import { plainBytes } from "./binary.js";
import { misfit, type TypeCodec } from "./codec.js";

/**
 * A non-empty set of plain strings or of numbers DynamoDB holds exactly is an `SS`/`NS`, which
 * needs no note (DynamoDB keeps no order in a set: they come back sorted). Any other set is a
 * list tagged `set`, in its own order.
 */
export const set: TypeCodec<ReadonlySet<unknown>> = {
  tag: "set",
  match: (value) => (value instanceof Set ? value : undefined),
  encode(value, depth, walker) {
    if (value.size > 0) {
      let strings = true;
      let numbers = true;
      for (const member of value) {
        if (strings && !(typeof member === "string" && member !== "" && member.isWellFormed()))
          strings = false;
        if (numbers && !(typeof member === "number" && numberToN(member) !== undefined))
          numbers = false;
        if (!strings && !numbers) break;
      }
      if (strings)
        return { av: { SS: [...(value as ReadonlySet<string>)].sort() }, note: undefined };
      if (numbers) {
        const sorted = [...(value as ReadonlySet<number>)].sort((a, b) => a - b);
        return { av: { NS: sorted.map((n) => numberToN(n) as string) }, note: undefined };
      }
    }
    return walker.list(value, [...value], depth, set.tag);
  },
  decode(raw, type, node, tag, depth, walker) {
    const { trail } = walker;
    if (tag !== undefined) {
      if (type !== "L") return misfit(tag, type, walker);
      const list = walker.list(raw, node, depth);
      const result = new Set(list);
      if (result.size !== list.length) trail.fail(`the Set holds ${repeated(list)} twice`);
      return result;
    }
    switch (type) {
      case "SS":
        return new Set(
          expectArray(raw, trail)
            .map((s) => expect(s, "string", trail))
            .sort(),
        );
      case "NS":
        return new Set(
          expectArray(raw, trail)
            .map((n) => parseNumber(expect(n, "string", trail), trail))
            .sort((a, b) => a - b),
        );
      case "BS":
        return new Set(expectArray(raw, trail).map((b) => plainBytes(expectBytes(b, trail))));
      default:
        return misfit(tag, type, walker);
    }
  },
};
