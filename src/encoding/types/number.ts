import { expect, parseNumber } from "../expect.js";
import { numberToN } from "../limits.js";
import { misfit, type TypeCodec } from "./codec.js";

/**
 * A number DynamoDB holds exactly is an `N`; NaN, ±Infinity, -0 and magnitudes outside N's
 * range are their text in an `S`, tagged `number`.
 */
export const number: TypeCodec<number> = {
  tag: "number",
  encode(value) {
    const n = numberToN(value);
    return n !== undefined
      ? { av: { N: n }, note: undefined }
      : { av: { S: Object.is(value, -0) ? "-0" : String(value) }, note: number.tag };
  },
  decode(raw, type, _node, tag, _depth, walker) {
    if (tag === undefined && type === "N")
      return parseNumber(expect(raw, "string", walker.trail), walker.trail);
    if (tag === undefined || type !== "S") return misfit(tag, type, walker);
    const text = expect(raw, "string", walker.trail);
    const value = Number(text);
    if (Number.isNaN(value) && text !== "NaN") walker.trail.fail(`"${text}" is not a number`);
    return value;
  },
};
