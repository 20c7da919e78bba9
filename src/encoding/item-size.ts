import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { ItemTooLargeError } from "../errors/index.js";
import { MAX_ITEM_BYTES } from "./limits.js";

/**
 * An item's size as DynamoDB counts it against its 409,600-byte limit, byte for byte as
 * DynamoDB Local does (checked at the boundary in the tests):
 *
 * - item: Σ over attributes of utf8(name) + size(value), no per-attribute overhead
 * - S: UTF-8 bytes · B: bytes · BOOL, NULL: 1 · N: see {@link numberSize}
 * - SS, BS: Σ member sizes · NS: Σ numberSize(member)
 * - L: 3 + Σ (1 + size(element)) · M: 3 + Σ (1 + utf8(key) + size(value))
 *
 * @example itemSize({ id: { S: "a1" }, n: { N: "12.5" } }) // 2 + 1 + 3 = 6
 */
export function itemSize(item: Readonly<Record<string, AttributeValue>>): number {
  return measureItem(item, utf8Length, numberSize);
}

/** The size of one attribute value, as {@link itemSize} counts it. */
export function valueSize(value: AttributeValue): number {
  return measure(value, utf8Length, numberSize);
}

function measureItem(
  item: Readonly<Record<string, AttributeValue>>,
  text: (s: string) => number,
  number: (n: string) => number,
): number {
  let total = 0;
  for (const name of Object.keys(item))
    total += text(name) + measure(item[name] as AttributeValue, text, number);
  return total;
}

/**
 * An attribute value's size, counting its strings and numbers with `text` and `number`: exactly
 * (UTF-8 bytes, digit pairs) or as a quick bound.
 */
function measure(
  value: AttributeValue,
  text: (s: string) => number,
  number: (n: string) => number,
): number {
  if (value.S !== undefined) return text(value.S);
  if (value.N !== undefined) return number(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.M !== undefined) {
    let total = 3;
    const map = value.M;
    for (const key of Object.keys(map))
      total += 1 + text(key) + measure(map[key] as AttributeValue, text, number);
    return total;
  }
  if (value.L !== undefined) {
    let total = 3;
    for (const element of value.L) total += 1 + measure(element, text, number);
    return total;
  }
  if (value.SS !== undefined) return value.SS.reduce((sum, s) => sum + text(s), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, n) => sum + number(n), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, b) => sum + b.byteLength, 0);
  return 0;
}

/**
 * At least {@link itemSize}: each UTF-16 unit of a string counts 3 bytes (UTF-8 takes at most
 * that: 4 bytes for a pair of units), and an `N` its text's length plus 2 (its digit pairs,
 * sign and exponent byte never take more).
 */
export function itemSizeBound(item: Readonly<Record<string, AttributeValue>>): number {
  return measureItem(item, textBound, numberBound);
}

export function valueSizeBound(value: AttributeValue): number {
  return measure(value, textBound, numberBound);
}

// UTF-8 takes at most 3 bytes a UTF-16 unit (4 for a pair); an `N` at most its text's length
// plus 2 (its digit pairs, sign and exponent byte never take more).
const textBound = (text: string): number => text.length * 3;
const numberBound = (text: string): number => text.length + 2;

/** UTF-8 length; a lone surrogate counts 1 byte, as DynamoDB Local's Java encoder makes it "?". */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 1;
    } else if (code >= 0xdc00 && code <= 0xdfff) bytes += 1;
    else bytes += 3;
  }
  return bytes;
}

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The size of an `N` value: DynamoDB stores numbers as base-100 digit pairs aligned on the
 * decimal point. With p significant digits and |x| = 0.d₁…dₚ × 10^e: zero is 1 byte; otherwise
 * 1 + ⌊(p + (e odd) + 1) / 2⌋, plus 1 for a negative number under 20 digit bytes.
 */
export function numberSize(text: string): number {
  const match = NUMBER.exec(text);
  if (match === null) return text.length;
  const whole = match[2] ?? "";
  const fraction = match[3] ?? "";
  const exponent = match[4] === undefined ? 0 : Number.parseInt(match[4], 10);
  let digits = (whole + fraction).replace(/^0+/, "");
  if (digits === "") return 1;
  let scale = fraction.length - exponent;
  const significant = digits.replace(/0+$/, "");
  scale -= digits.length - significant.length;
  digits = significant;
  const e = digits.length - scale;
  const pairs = Math.floor((digits.length + (Math.abs(e % 2) === 1 ? 1 : 0) + 1) / 2);
  return 1 + pairs + (match[1] === "-" && pairs < 20 ? 1 : 0);
}

/**
 * Throws `ItemTooLargeError` (with the size, the limit and the three largest attributes) when an
 * encoded item is over DynamoDB's limit, less `reserve` bytes that are still to be added to it,
 * so that nothing is sent that DynamoDB would refuse.
 */
export function assertItemSize(
  item: Readonly<Record<string, AttributeValue>>,
  what = "The item",
  reserve = 0,
): void {
  const limit = MAX_ITEM_BYTES - reserve;
  // Most items are far below the limit: a bound that needs no UTF-8 or digit counting says so.
  if (itemSizeBound(item) <= limit) return;
  const size = itemSize(item);
  if (size <= limit) return;
  const largest = Object.keys(item)
    .map((name) => ({ name, size: utf8Length(name) + valueSize(item[name] as AttributeValue) }))
    .sort((a, b) => b.size - a.size)
    .slice(0, 3);
  const list = largest.map((field) => `${field.name} (${field.size} bytes)`).join(", ");
  const over =
    reserve === 0
      ? `over DynamoDB's limit of ${MAX_ITEM_BYTES} bytes`
      : `over its limit of ${limit} bytes (DynamoDB's ${MAX_ITEM_BYTES}, less ${reserve} kept for the bookkeeping later writes add)`;
  throw new ItemTooLargeError(
    `${what} is ${size} bytes, ${over}. Largest fields: ${list}. ` +
      "Store large parts elsewhere (for example as a blob) or split the value.",
    { details: { size, limit, largest } },
  );
}
