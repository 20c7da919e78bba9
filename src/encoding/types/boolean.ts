import { expect } from "../expect.js";
import { misfit, type TypeCodec } from "./codec.js";

/** A boolean is a `BOOL`. */
export const boolean: TypeCodec<boolean> = {
  tag: undefined,
  encode: (value) => ({ av: { BOOL: value }, note: undefined }),
  decode: (raw, type, _node, tag, _depth, walker) =>
    type === "BOOL" ? expect(raw, "boolean", walker.trail) : misfit(tag, type, walker),
};
