import { expect, parseBigInt } from "../expect.js";
import { bigintToN } from "../limits.js";
import { misfit, type TypeCodec } from "./codec.js";

/**
 * A bigint is an `N` when it has at most 38 digits, else its digits in an `S`; tagged `bigint`
 * either way, so it does not come back as a number.
 */
export const bigint: TypeCodec<bigint> = {
  tag: "bigint",
  encode(value) {
    const n = bigintToN(value);
    return { av: n !== undefined ? { N: n } : { S: String(value) }, note: bigint.tag };
  },
  decode: (raw, type, _node, tag, _depth, walker) =>
    type === "N" || type === "S"
      ? parseBigInt(expect(raw, "string", walker.trail), walker.trail)
      : misfit(tag, type, walker),
};
