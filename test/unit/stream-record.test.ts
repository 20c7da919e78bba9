// decodeStreamRecord: one stream record, as the Streams API or a Lambda trigger delivers it, to
// a typed change of a registered atom type, with no I/O.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import test from "ava";
import { decodeStreamRecord, defineAtom, isDynatomError, type StreamRecord } from "dynatom";
import fc from "fast-check";
import * as v from "valibot";
import { Account, Counter } from "../helpers/atoms.js";
import { difference } from "../helpers/same.js";
import { anyValue } from "../helpers/values.js";

const Bag = defineAtom({
  name: "bag",
  version: 1,
  schema: v.object({ id: v.string(), data: v.unknown() }),
  key: ["id"],
});

type Image = Record<string, AttributeValue>;

function keysOf(image: Image): Image {
  return { pk: image.pk as AttributeValue, sk: image.sk as AttributeValue };
}

/** An image as a Lambda event carries it: JSON, binaries as base64 text. */
function lambdaForm(image: Image): Record<string, unknown> {
  // The holder's own value: a Buffer's toJSON has already run on `value` (as {type, data}).
  return JSON.parse(
    JSON.stringify(image, function (this: Record<string, unknown>, key, value: unknown) {
      const raw = this[key];
      return raw instanceof Uint8Array ? Buffer.from(raw).toString("base64") : value;
    }),
  );
}

test("any value comes back exactly from a record of the Streams API and from a Lambda event", async (t) => {
  await fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 8 }), anyValue, anyValue, (id, a, b) => {
      const old = Bag.encode({ id, data: a });
      const next = Bag.encode({ id, data: b });
      for (const form of ["sdk", "lambda"] as const) {
        const shape = form === "sdk" ? (x: Image) => x : lambdaForm;
        const record = {
          eventName: "MODIFY",
          dynamodb: {
            Keys: shape(keysOf(next)),
            OldImage: shape(old),
            NewImage: shape(next),
            SequenceNumber: "000000000000000000042",
            ApproximateCreationDateTime:
              form === "sdk" ? new Date(1_700_000_000_000) : 1_700_000_000,
          },
        } as StreamRecord;
        const change = decodeStreamRecord(record, [Counter, Bag]);
        if (change?.atom !== "bag" || change.type !== "modify")
          throw new Error(`${form}: not a bag modify`);
        const diff =
          difference({ id, data: a }, change.old, "old") ??
          difference({ id, data: b }, change.new, "new") ??
          difference({ id }, change.key, "key");
        if (diff) throw new Error(`${form}: ${diff}`);
        if (change.at.getTime() !== 1_700_000_000_000) throw new Error(`${form}: at ${change.at}`);
        if (change.sequence !== "000000000000000000042") throw new Error("sequence");
      }
    }),
    { numRuns: 300, includeErrorInReport: true },
  );
  t.pass();
});

test("items of other types, and dynatom's own bookkeeping, give undefined", (t) => {
  const counter = Counter.encode({ name: "c", n: 1 });
  const record = (keys: Image) => ({
    eventName: "INSERT",
    dynamodb: { Keys: keys, NewImage: { ...counter, ...keys }, SequenceNumber: "1" },
  });
  t.is(decodeStreamRecord(record(keysOf(counter)), [Account]), undefined);
  t.like(decodeStreamRecord(record(keysOf(counter)), [Account, Counter]), {
    atom: "counter",
    type: "insert",
    key: { name: "c" },
    old: undefined,
    new: { name: "c", n: 1 },
  });
  const lease = { pk: { S: "dynatom.changes#g" }, sk: { S: "label#shard-1" } };
  t.is(decodeStreamRecord(record(lease), [Account, Counter]), undefined);
  // An atom named like the start of another ("count" vs "counter") is not confused with it.
  const Count = defineAtom({
    name: "count",
    version: 1,
    schema: v.object({ name: v.string(), n: v.number() }),
    key: ["name"],
  });
  t.is(decodeStreamRecord(record(keysOf(counter)), [Count]), undefined);
  t.is(decodeStreamRecord({}, [Counter]), undefined);
});

test("a record without the image its event needs, or with an unknown event, is a DecodeError", (t) => {
  const counter = Counter.encode({ name: "c", n: 1 });
  const keysOnly = {
    eventName: "MODIFY",
    dynamodb: { Keys: keysOf(counter), SequenceNumber: "7" },
  };
  const missing = t.throws(() => decodeStreamRecord(keysOnly, [Counter]));
  t.true(isDynatomError(missing, "decode.change"));
  t.regex(
    missing?.message ?? "",
    /counter.*stream record 7: the record has no OldImage: .*NEW_AND_OLD_IMAGES/,
  );
  const odd = t.throws(() => decodeStreamRecord({ ...keysOnly, eventName: "TRUNCATE" }, [Counter]));
  t.regex(odd?.message ?? "", /event "TRUNCATE" is none of INSERT, MODIFY, REMOVE/);
});
