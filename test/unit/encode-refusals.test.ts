import test, { type ExecutionContext } from "ava";
import {
  decodeItem,
  EncodingError,
  encodeItem,
  ItemTooLargeError,
  isDynatomError,
  MAX_ITEM_BYTES,
} from "dynatom";

type WalkError = EncodingError<
  "encoding.unsupported" | "encoding.circular" | "encoding.too-deep" | "encoding.invalid-name"
>;

function refusal(t: ExecutionContext, value: unknown): WalkError {
  const err = t.throws(() => encodeItem(value as Record<string, unknown>));
  t.true(err instanceof EncodingError, String(err));
  return err as WalkError;
}

test("a function is refused, naming its path", (t) => {
  const err = refusal(t, { prefs: { theme: { color: "red", onChange() {} } } });
  t.is(err.code, "encoding.unsupported");
  t.is(err.details.path, "prefs.theme.onChange");
  t.regex(err.message, /a function \(onChange\) at prefs\.theme\.onChange/);
});

test("a symbol is refused, naming its path", (t) => {
  const err = refusal(t, { list: [1, Symbol("x")] });
  t.is(err.code, "encoding.unsupported");
  t.is(err.details.path, "list[1]");
});

test("a circular reference is refused, never stored as null", (t) => {
  const node: Record<string, unknown> = { name: "a" };
  node.self = { back: node };
  const err = refusal(t, { node });
  t.is(err.code, "encoding.circular");
  t.is(err.details.path, "node.self.back");
});

test("a shared (not circular) reference is fine", (t) => {
  const shared = { x: 1 };
  const back = decodeItem(encodeItem({ a: shared, b: [shared, shared] }));
  t.deepEqual(back, { a: { x: 1 }, b: [{ x: 1 }, { x: 1 }] });
});

test("an unregistered class instance is refused and says how to register it", (t) => {
  class Money {
    cents = 1;
  }
  const err = refusal(t, { price: new Map([["eur", new Money()]]) });
  t.is(err.code, "encoding.unsupported");
  t.regex(
    err.message,
    /an instance of Money at price\.eur: register the class first \(registerClass\(Money\)/,
  );
});

test("promises, weak maps and symbol keys are refused", (t) => {
  t.is(refusal(t, { p: Promise.resolve(1) }).details.path, "p");
  t.is(refusal(t, { w: new WeakMap() }).code, "encoding.unsupported");
  t.regex(refusal(t, { o: { [Symbol("k")]: 1 } }).message, /symbol keys/);
});

test("the item itself must be a plain object", (t) => {
  t.is(refusal(t, [1, 2]).code, "encoding.unsupported");
  t.is(refusal(t, new Date()).code, "encoding.unsupported");
  t.is(refusal(t, null).code, "encoding.unsupported");
});

test("top-level names that cannot be attributes are refused", (t) => {
  t.is(refusal(t, { "": 1 }).code, "encoding.invalid-name");
  t.is(refusal(t, { "a\uD800": 1 }).code, "encoding.invalid-name");
  t.regex(refusal(t, { _types: 1 }).message, /reserved/);
  const proto = JSON.parse('{"__proto__": {"a": 1}}') as Record<string, unknown>;
  t.regex(refusal(t, proto).message, /__proto__/);
});

test("nesting deeper than DynamoDB allows is refused with the path", (t) => {
  let deep: unknown = "leaf";
  for (let i = 0; i < 40; i++) deep = [deep];
  const err = refusal(t, { deep });
  t.is(err.code, "encoding.too-deep");
  t.regex(err.message, /32 levels/);
});

test("an item over 409,600 bytes is refused with its size and largest fields", (t) => {
  const err = t.throws(() => encodeItem({ id: "x", blob: "a".repeat(MAX_ITEM_BYTES), small: 1 }));
  t.true(err instanceof ItemTooLargeError);
  t.true(isDynatomError(err, "encoding.item-too-large"));
  if (!isDynatomError(err, "encoding.item-too-large")) return;
  t.is(err.details.size, 2 + 1 + 4 + MAX_ITEM_BYTES + 5 + 2);
  t.is(err.details.limit, MAX_ITEM_BYTES);
  t.deepEqual(err.details.largest[0], { name: "blob", size: 4 + MAX_ITEM_BYTES });
  t.regex(err.message, /over DynamoDB's limit of 409600 bytes\. Largest fields: blob/);
});
