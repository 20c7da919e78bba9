import { expect } from "../expect.js";
import { misfit, type TypeCodec } from "./codec.js";

/**
 * A string is an `S`. A string with a lone surrogate has no UTF-8 form, so it is stored as its
 * JSON escape, tagged `escaped`.
 */
export const string: TypeCodec<string> = {
  tag: "escaped",
  encode: (value) =>
    value.isWellFormed()
      ? { av: { S: value }, note: undefined }
      : { av: { S: JSON.stringify(value) }, note: string.tag },
  decode(raw, type, _node, tag, _depth, walker) {
    if (type !== "S") return misfit(tag, type, walker);
    const text = expect(raw, "string", walker.trail);
    if (tag === undefined) return text;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // fall through to the failure below
    }
    return typeof value === "string"
      ? value
      : walker.trail.fail("an escaped string must be a JSON string");
  },
};
