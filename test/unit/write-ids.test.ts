// The stored form of write ids (".id1.id2.", and an older release's list), and the protocol's
// proofs over both forms.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import test from "ava";
import fc from "fast-check";
import { itemSize } from "../../src/encoding/index.js";
import { isDynatomError } from "../../src/errors/index.js";
import { afterConflict, afterRefusal, batchPutVerdict } from "../../src/protocol/settle.js";
import {
  afterWrite,
  bookkeeping,
  provablyNotApplied,
  type Seen,
  seenFrom,
} from "../../src/protocol/state.js";
import { conditionOn } from "../../src/requests/conditions.js";
import {
  ATOM_VERSION_ATTRIBUTE,
  BOOKKEEPING_BYTES,
  buildWriteIds,
  newWriteId,
  nextWriteIds,
  parseWriteIds,
  WRITE_ID_LENGTH,
  WRITE_ID_WINDOW,
  WRITE_IDS_ATTRIBUTE,
  WRITE_IDS_MAX_CHARS,
  writeIdOperand,
  writeIdsIn,
} from "../../src/schema/bookkeeping.js";
import { Counter } from "../helpers/atoms.js";

/** Ids as dynatom makes them: base64url, 8 characters now, 12 in releases before. */
const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const newId = fc.stringMatching(/^[A-Za-z0-9_-]{8}$/);
const oldId = fc.stringMatching(/^[A-Za-z0-9_-]{12}$/);
const list = (ids: readonly string[]): AttributeValue => ({ L: ids.map((S) => ({ S })) });
/** What DynamoDB's contains(#w, :id) answers on a string (a substring) or a list (an element). */
const contains = (stored: AttributeValue, operand: string) =>
  stored.S !== undefined
    ? stored.S.includes(operand)
    : (stored.L ?? []).some((e) => e.S === operand);

test("a fresh id is 8 base64url characters, and ids do not repeat", (t) => {
  const ids = new Set(Array.from({ length: 5_000 }, newWriteId));
  t.is(ids.size, 5_000);
  for (const one of ids) t.regex(one, /^[A-Za-z0-9_-]{8}$/);
  t.is(WRITE_ID_LENGTH, 8);
});

test("the text form reads back as written; the list form still reads", (t) => {
  t.deepEqual(buildWriteIds(["a1", "b2"]), { S: ".a1.b2." });
  t.deepEqual(parseWriteIds({ S: ".a1.b2." }), { ids: ["a1", "b2"], form: "text" });
  t.deepEqual(parseWriteIds(list(["DrSv0TNimCQr"])), { ids: ["DrSv0TNimCQr"], form: "list" });
  t.deepEqual(parseWriteIds({ S: "." }), { ids: [], form: "text" });
  for (const bad of [{ S: "a1.b2" }, { S: ".a1..b2." }, { S: "" }, { N: "1" }, { L: [{ N: "1" }] }])
    t.is(parseWriteIds(bad), undefined, JSON.stringify(bad));
  fc.assert(
    fc.property(fc.array(id, { maxLength: 40 }), (ids) => {
      t.deepEqual(parseWriteIds(buildWriteIds(ids))?.ids, ids);
    }),
  );
});

test("delimited, an id matches only itself: never a piece of one id, or of two", (t) => {
  fc.assert(
    fc.property(fc.array(id, { maxLength: 20 }), id, (ids, probe) => {
      const stored = buildWriteIds(ids);
      const operand = writeIdOperand(probe, "text").S as string;
      t.is(contains(stored, operand), ids.includes(probe));
    }),
  );
  // Pieces of adjacent ids, the very probes a bare substring test would match.
  fc.assert(
    fc.property(fc.array(id, { minLength: 2, maxLength: 20 }), fc.nat(), (ids, at) => {
      const text = ids.join(".");
      const cut = at % text.length;
      const probe = text.slice(cut, cut + WRITE_ID_LENGTH).replaceAll(".", "");
      const stored = buildWriteIds(ids);
      t.is(contains(stored, writeIdOperand(probe, "text").S as string), ids.includes(probe));
    }),
  );
  t.deepEqual(writeIdOperand("MgHP5bUu-iaG", "list"), { S: "MgHP5bUu-iaG" });
});

test("a write keeps the newest ids: at most the window, at most the longest form", (t) => {
  const ids = Array.from({ length: 40 }, (_, i) => `id${String(i).padStart(6, "0")}`);
  const next = nextWriteIds(ids, "ours0000");
  t.is(next.length, WRITE_ID_WINDOW);
  t.deepEqual(next, [...ids.slice(-(WRITE_ID_WINDOW - 1)), "ours0000"]);
  // Ids of an older release are longer: fewer of them fit, the newest ones.
  const old = Array.from({ length: 32 }, (_, i) => `old${String(i).padStart(9, "0")}`);
  const carried = nextWriteIds(old, "ours0000");
  t.true(carried.length >= 11 && carried.length < WRITE_ID_WINDOW, String(carried.length));
  t.deepEqual(carried, [...old.slice(-(carried.length - 1)), "ours0000"]);
  // An id the text form cannot hold ends the window there: the kept ids stay consecutive.
  t.deepEqual(nextWriteIds(["a", "b.c", "d"], "e"), ["d", "e"]);
  t.deepEqual(nextWriteIds(["a", "", "d"], "e"), ["d", "e"]);
  fc.assert(
    fc.property(fc.array(fc.oneof(newId, oldId), { maxLength: 40 }), newId, (before, ours) => {
      const after = nextWriteIds(before, ours);
      t.is(after.at(-1), ours);
      t.true(after.length <= WRITE_ID_WINDOW);
      t.true((buildWriteIds(after).S as string).length <= WRITE_IDS_MAX_CHARS);
      t.deepEqual(after.slice(0, -1), before.slice(before.length - (after.length - 1)));
    }),
  );
});

test("what exactly-once costs an item: at most 200 bytes, within the room every value leaves", (t) => {
  t.true(BOOKKEEPING_BYTES <= 200, String(BOOKKEEPING_BYTES));
  fc.assert(
    fc.property(
      fc.array(fc.oneof(newId, oldId), { maxLength: 40 }),
      fc.integer({ min: 0, max: 10 ** 15 - 2 }),
      (writes, version) => {
        const added = bookkeeping({ exists: true, version, writes, value: {} }, newWriteId());
        const bytes = itemSize(added);
        t.true(bytes <= BOOKKEEPING_BYTES, `${bytes} bytes`);
      },
    ),
  );
  const hot = bookkeeping(
    {
      exists: true,
      version: 1_000_000,
      writes: Array.from({ length: 20 }, newWriteId),
      value: {},
    },
    newWriteId(),
  );
  t.log(`a full window at version 1,000,001: ${itemSize(hot)} bytes`);
});

const stored = (ids: AttributeValue, version?: number): Record<string, AttributeValue> => ({
  ...Counter.encode({ name: "c", n: 1 }),
  ...(version === undefined ? {} : { [ATOM_VERSION_ATTRIBUTE]: { N: String(version) } }),
  [WRITE_IDS_ATTRIBUTE]: ids,
});

test("an item's state reads either form; the list form is remembered for the condition", (t) => {
  const text = seenFrom(Counter, stored(buildWriteIds(["a1", "b2"]), 5));
  t.deepEqual(text.writes, ["a1", "b2"]);
  t.is(text.writesForm, undefined);
  t.deepEqual(conditionOn(text).ExpressionAttributeValues?.[":last"], { S: ".b2." });
  const old = seenFrom(Counter, stored(list(["DrSv0TNimCQr", "MgHP5bUu-iaG"]), 5));
  t.deepEqual(old.writes, ["DrSv0TNimCQr", "MgHP5bUu-iaG"]);
  t.is(old.writesForm, "list");
  t.deepEqual(conditionOn(old).ExpressionAttributeValues?.[":last"], { S: "MgHP5bUu-iaG" });
  // The write on it stores the text form, and the state after it says so.
  const written = bookkeeping(old, "ours0000");
  t.deepEqual(written[WRITE_IDS_ATTRIBUTE], { S: ".DrSv0TNimCQr.MgHP5bUu-iaG.ours0000." });
  const after = afterWrite(old, "ours0000", { name: "c", n: 2 });
  t.is(after.writesForm, undefined);
  const back = stored(written[WRITE_IDS_ATTRIBUTE] as AttributeValue, 6);
  t.deepEqual(after.writes, seenFrom(Counter, back).writes);
  const err = t.throws(() => seenFrom(Counter, stored({ S: "a1.b2" }, 5)));
  t.true(isDynatomError(err, "decode.invalid-bookkeeping"), String(err));
});

test("the conditions tested on both forms hold exactly on the state they were made from", (t) => {
  fc.assert(
    fc.property(
      fc.array(oldId, { minLength: 1, maxLength: 32 }),
      fc.array(newId, { minLength: 1, maxLength: 20 }),
      (olds, news) => {
        // Basis of the older release's list: its operand matches that list, and any text form
        // that still carries its last id (a later write, which the version tells apart).
        const basis = seenFrom(Counter, stored(list(olds), olds.length));
        const operand = conditionOn(basis).ExpressionAttributeValues?.[":last"]?.S as string;
        t.true(contains(list(olds), operand));
        t.is(contains(buildWriteIds(news), operand), false);
        // Basis of the text form: its operand matches its own ids and no other list of ids.
        const now = seenFrom(Counter, stored(buildWriteIds(news), news.length));
        const delimited = conditionOn(now).ExpressionAttributeValues?.[":last"]?.S as string;
        t.true(contains(buildWriteIds(news), delimited));
        t.false(contains(buildWriteIds(olds), delimited));
      },
    ),
  );
});

const seen = (version: number, writes: string[], writesForm?: "list"): Seen => ({
  exists: true,
  version,
  writes,
  ...(writesForm ? { writesForm } : {}),
  value: {},
});

test("verdicts after a lost answer, on an item that moved from a list to the text form", (t) => {
  const olds = Array.from({ length: 32 }, (_, i) => `old${String(i).padStart(9, "0")}`);
  const basis = seen(32, olds, "list");
  // Ours applied, then others wrote: the text form carries our id.
  const applied = nextWriteIds(nextWriteIds(olds, "ours0000"), "them0001");
  const mine = seenFrom(Counter, stored(buildWriteIds(applied), 34));
  t.is(afterConflict(basis, "ours0000", true, mine), "applied");
  t.is(afterRefusal(basis, "ours0000", mine), "applied");
  // Another write took our slot; it carried our basis's last id, so ours provably never applies.
  const theirs = nextWriteIds(nextWriteIds(olds, "them0000"), "them0001");
  const other = seenFrom(Counter, stored(buildWriteIds(theirs), 34));
  t.true(provablyNotApplied(basis, other));
  t.is(afterConflict(basis, "ours0000", true, other), "not-applied");
  t.is(afterRefusal(basis, "ours0000", other), "not-applied");
  // Past the window the basis's last id is gone: unknown, never a guess.
  let far: string[] = olds;
  for (let i = 0; i < WRITE_ID_WINDOW; i++)
    far = nextWriteIds(far, `them${String(i).padStart(4, "0")}`);
  const gone = seenFrom(Counter, stored(buildWriteIds(far), 32 + WRITE_ID_WINDOW));
  t.is(afterConflict(basis, "ours0000", true, gone), "unknown");
  t.is(afterRefusal(basis, "ours0000", gone), "unknown");
});

test("verdicts on the text form: listed is applied, our slot taken is not, past the window unknown", (t) => {
  let ids: string[] = [];
  for (let i = 0; i < 20; i++) ids = nextWriteIds(ids, `w${String(i).padStart(7, "0")}`);
  const basis = seenFrom(Counter, stored(buildWriteIds(ids), 20));
  const at = (writes: string[], version: number) =>
    seenFrom(Counter, stored(buildWriteIds(writes), version));
  t.is(afterConflict(basis, "ours0000", true, at(nextWriteIds(ids, "ours0000"), 21)), "applied");
  let later = nextWriteIds(ids, "them0000");
  t.is(afterConflict(basis, "ours0000", true, at(later, 21)), "not-applied");
  // Up to the window, another write in our slot stays provable.
  for (let i = 1; i < WRITE_ID_WINDOW - 1; i++)
    later = nextWriteIds(later, `them${i}`.padEnd(8, "0"));
  t.is(afterConflict(basis, "ours0000", true, at(later, 20 + WRITE_ID_WINDOW - 1)), "not-applied");
  later = nextWriteIds(later, "last0000");
  t.is(afterConflict(basis, "ours0000", true, at(later, 20 + WRITE_ID_WINDOW)), "unknown");
});

test("a batch put read back in either form: listed is applied, else unknown", (t) => {
  t.is(batchPutVerdict("b1", { [WRITE_IDS_ATTRIBUTE]: buildWriteIds(["b1"]) }), "applied");
  t.is(batchPutVerdict("b1", { [WRITE_IDS_ATTRIBUTE]: buildWriteIds(["s1", "b1"]) }), "applied");
  t.is(batchPutVerdict("b1", { [WRITE_IDS_ATTRIBUTE]: buildWriteIds(["s1", "xb1"]) }), "unknown");
  t.is(batchPutVerdict("b1", { [WRITE_IDS_ATTRIBUTE]: list(["b1"]) }), "applied");
  t.is(batchPutVerdict("b1", { [WRITE_IDS_ATTRIBUTE]: { S: "b1" } }), "unknown");
  t.deepEqual(writeIdsIn(undefined), []);
  t.deepEqual(writeIdsIn({ [WRITE_IDS_ATTRIBUTE]: { N: "1" } }), []);
});
