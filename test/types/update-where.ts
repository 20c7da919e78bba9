// Type tests for store.update and where: lines under @ts-expect-error must not compile.
import { createStore, defineAtom } from "dynatom";
import * as v from "valibot";

const T = defineAtom({
  name: "t3",
  version: 1,
  schema: v.object({
    p: v.string(),
    n: v.number(),
    big: v.bigint(),
    nul: v.nullable(v.number()),
    nuls: v.nullable(v.string()),
    shape: v.variant("kind", [
      v.object({ kind: v.literal("circle"), r: v.number() }),
      v.object({ kind: v.literal("square"), side: v.number() }),
    ]),
    num2: v.pipe(v.string(), v.transform(Number)),
    lit: v.picklist([1, 2, 3]),
    tags: v.array(v.string()),
    set: v.set(v.string()),
    opt: v.optional(v.string()),
  }),
  key: { pk: ["p"] },
});
const u = () => createStore({ table: "app", atoms: [T] }).update(T, { p: "a" });

// Nullable fields and the fields of every variant can be tested.
u().where((x, o) => o.lt(x.nul, 5));
u().where((x, o) => o.beginsWith(x.nuls, "a"));
u().where((x, o) => o.gt(x.shape.r, 1));
u().where((x, o) => o.and(o.eq(x.shape.kind, "square"), o.gte(x.shape.side, 2)));
u().where((x, o) => o.contains(x.tags, "a"));
u().where((x, o) => o.contains(x.set, "a"));
// @ts-expect-error: a number field is not compared with a string
u().where((x, o) => o.lt(x.n, "5"));
// @ts-expect-error: a list holds strings
u().where((x, o) => o.contains(x.tags, 1));

// The operations take the fields they fit.
u()
  .add({ n: 1, big: 2n })
  .append({ tags: ["a"] })
  .addToSet({ set: new Set(["b"]) });
u().set({ num2: "5", opt: "x" }).remove(["opt"]);
// @ts-expect-error: add to a field whose input is a string
u().add({ num2: 1 });
// @ts-expect-error: add to a set of literals, which a sum can leave
u().add({ lit: 1 });
// @ts-expect-error: a key field never changes
u().set({ p: "b" });
// @ts-expect-error: a bigint field takes a bigint
u().add({ big: 1 });
// @ts-expect-error: only optional fields can be removed
u().remove(["n"]);
