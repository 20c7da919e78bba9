import test from "ava";
import { DefinitionError, defineAtom, encodeItem, isDynatomError, registerCustom } from "dynatom";
import * as v from "valibot";
import { requestFailed } from "../../src/executor/classify.js";

test("an async schema is refused where the atom is declared, naming it", (t) => {
  const err = t.throws(() =>
    defineAtom({
      name: "later",
      version: 1,
      schema: v.objectAsync({ id: v.string() }) as unknown as v.GenericSchema<
        unknown,
        { id: string }
      >,
      key: ["id"],
    }),
  );
  t.true(err instanceof DefinitionError, String(err));
  t.regex(err?.message ?? "", /later.*async/i);
});

class Temperature {
  constructor(readonly celsius: number) {}
}

test("a custom serializer that throws gives an EncodingError naming the path, with the cause", (t) => {
  const boom = new Error("no kelvin below zero");
  registerCustom<Temperature, number>(
    {
      isApplicable: (value): value is Temperature => value instanceof Temperature,
      serialize: () => {
        throw boom;
      },
      deserialize: (n) => new Temperature(n),
    },
    "temperature-that-throws",
  );
  const err = t.throws(() => encodeItem({ reading: { at: new Temperature(-300) } }));
  t.true(isDynatomError(err, "encoding.unsupported"), String(err));
  t.regex(err?.message ?? "", /reading\.at/);
  t.is((err as Error).cause, boom);
});

test("a refused connection proves nothing was sent: retryable", (t) => {
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), {
    code: "ECONNREFUSED",
  });
  const err = requestFailed(refused, "GetItem", "app");
  t.true(isDynatomError(err, "store.request-failed"));
  t.true(err.retryable);
});
