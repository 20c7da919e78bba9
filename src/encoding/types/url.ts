import { expect } from "../expect.js";
import { misfit, type TypeCodec } from "./codec.js";

/** A URL is its `href` in an `S`, tagged `URL`. */
export const url: TypeCodec<URL> = {
  tag: "URL",
  match: (value) => (value instanceof URL ? value : undefined),
  encode: (value) => ({ av: { S: value.href }, note: url.tag }),
  decode(raw, type, _node, tag, _depth, walker) {
    if (type !== "S") return misfit(tag, type, walker);
    const text = expect(raw, "string", walker.trail);
    try {
      return new URL(text);
    } catch {
      return walker.trail.fail(`"${text}" is not a valid URL`);
    }
  },
};
