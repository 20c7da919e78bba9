import { expect } from "../expect.js";
import { misfit, type TypeCodec } from "./codec.js";

/** A Date is its ISO text in an `S` (so it sorts and reads in the console), tagged `Date`. */
export const date: TypeCodec<Date> = {
  tag: "Date",
  match: (value) => (value instanceof Date ? value : undefined),
  encode(value) {
    const time = value.getTime();
    return { av: { S: Number.isNaN(time) ? "Invalid Date" : value.toISOString() }, note: date.tag };
  },
  decode: (raw, type, _node, tag, _depth, walker) =>
    type === "S" ? new Date(expect(raw, "string", walker.trail)) : misfit(tag, type, walker),
};
