import { misfit, type TypeCodec } from "./codec.js";

/** `undefined` is a `NULL` tagged `undefined`, so it stays apart from `null`. */
export const undefinedCodec: TypeCodec<undefined> = {
  tag: "undefined",
  encode: () => ({ av: { NULL: true }, note: undefinedCodec.tag }),
  decode: (_raw, type, _node, tag, _depth, walker) =>
    type === "NULL" ? undefined : misfit(tag, type, walker),
};
