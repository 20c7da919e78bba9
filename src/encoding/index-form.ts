import { EncodingError } from "../errors/index.js";

/** The types an index or sort-key field may hold; each field holds exactly one of them. */
export type Indexable = string | number | bigint | Date | boolean;

/**
 * Encodes a value as a string whose UTF-8 byte order (the order DynamoDB gives string sort keys)
 * equals the natural order of values of the same type, so range queries on index fields work.
 * Forms of different types are not meant to interleave: a field only ever holds one type.
 *
 * - string: itself. Its order is Unicode code point order, which is UTF-8 byte order; note that
 *   JS `<` compares UTF-16 code units and so puts astral characters (U+10000 and up) before
 *   U+E000–U+FFFF, unlike DynamoDB.
 * - number: `"0"` -Infinity, `"1…"` negative, `"2"` zero (0 and -0 alike), `"3…"` positive,
 *   `"4"` +Infinity. Finite values carry a biased decimal exponent then the shortest mantissa.
 * - bigint: sign digit, then a self-delimiting length, then the digits (complemented if negative).
 * - Date: the ISO string, with years outside 0000–9999 rewritten so that they still sort.
 * - boolean: `"false"` / `"true"`.
 *
 * Throws a `DynatomError` `"encoding.unindexable"` for NaN, an invalid Date, or a string holding a
 * lone surrogate (which has no UTF-8 form).
 *
 * @example indexForm(12.5) === "3401:1.25"
 */
export function indexForm(value: Indexable): string {
  switch (typeof value) {
    case "string":
      return stringForm(value);
    case "number":
      return numberForm(value);
    case "bigint":
      return bigintForm(value);
    case "boolean":
      return value ? "true" : "false";
    default:
      // Callers outside TypeScript can pass anything; refuse it rather than emit a bogus key.
      if (value instanceof Date) return dateForm(value);
      throw unindexable(value, `a ${describeType(value)} is not an indexable type`);
  }
}

/**
 * Compares two strings by their UTF-8 bytes, as DynamoDB orders string keys, without encoding
 * them. Use it to check or sort index forms; JS `<` would misplace astral characters.
 * Lone surrogates (which DynamoDB cannot store) compare by their code unit, as in WTF-8.
 *
 * @example compareUtf8("\u{1F600}", "\uFFFF") > 0 // whereas "\u{1F600}" < "\uFFFF" in JS
 */
export function compareUtf8(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  let i = 0;
  while (i < length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === length) return a.length - b.length;
  // UTF-8 preserves code point order, so compare the code points the strings differ in. The first
  // differing unit may be the low half of a pair whose high half is shared: start from that half.
  let start = i;
  if (i > 0 && isHighSurrogate(a.charCodeAt(i - 1))) start = i - 1;
  const pointA = a.codePointAt(start) ?? 0;
  const pointB = b.codePointAt(start) ?? 0;
  if (pointA !== pointB) return pointA - pointB;
  // Both had a lone high surrogate at `start`, so the code points at `i` are the first to differ.
  return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
}

function stringForm(value: string): string {
  if (!value.isWellFormed()) {
    throw unindexable(
      value,
      "the string holds a lone surrogate, which has no UTF-8 form and so no DynamoDB order",
    );
  }
  return value;
}

function numberForm(value: number): string {
  if (Number.isNaN(value)) {
    throw unindexable(
      value,
      "NaN has no place in an index order; index fields must be comparable numbers",
    );
  }
  if (value === Number.NEGATIVE_INFINITY) return "0";
  if (value === Number.POSITIVE_INFINITY) return "4";
  if (value === 0) return "2";
  // toExponential gives the shortest digits that round-trip, so equal forms mean equal numbers.
  const [mantissa = "", exponentText = ""] = Math.abs(value).toExponential().split("e");
  // e lies in −324..308, so e + 400 fits three digits; padded, it compares as text.
  const biased = Number(exponentText) + 400;
  if (value > 0) return `3${threeDigits(biased)}:${mantissa}`;
  // "~" ends the mantissa above every digit and ".", so a longer mantissa (larger magnitude)
  // sorts first once complemented, e.g. −1.25 ("8.74~") before −1 ("8~").
  return `1${threeDigits(999 - biased)}:${complementDigits(mantissa)}~`;
}

function threeDigits(n: number): string {
  return String(n).padStart(3, "0");
}

function bigintForm(value: bigint): string {
  if (value === 0n) return "2";
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString();
  // Length first so that magnitude orders by digit count; its own length makes it self-delimiting.
  // A bigint cannot reach 10^9 digits in any engine, so one character holds the length's length.
  const lengthText = String(digits.length);
  const lengthCode = `${lengthText.length}${lengthText}`;
  if (!negative) return `3${lengthCode}:${digits}`;
  // Equal-length negatives share their length code, so the complemented digits need no terminator.
  return `1${complementDigits(lengthCode)}:${complementDigits(digits)}`;
}

function dateForm(value: Date): string {
  if (Number.isNaN(value.getTime())) {
    throw unindexable(value, "an invalid Date has no place in an index order");
  }
  const iso = value.toISOString();
  // Years 0000–9999 come as "YYYY-…", others as "±YYYYYY-…". "-" < digits < "~" in bytes, so
  // negative years, then 0000–9999, then later years sort in that order.
  if (iso.startsWith("+")) return `~${iso.slice(1)}`;
  if (iso.startsWith("-")) {
    // Complement only the year, so earlier years sort first while the rest still ascends.
    return `-${complementDigits(iso.slice(1, 7))}${iso.slice(7)}`;
  }
  return iso;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Maps each ASCII digit d to 9 − d, leaving other characters. Bytewise, as bigints may be huge. */
function complementDigits(text: string): string {
  const bytes = encoder.encode(text);
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    if (byte >= 0x30 && byte <= 0x39) bytes[i] = 0x69 - byte;
  }
  return decoder.decode(bytes);
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value;
}

function describeValue(value: unknown): string {
  try {
    return String(value);
  } catch {
    // Objects without a prototype or with a throwing toString still deserve an error message.
    return `[${describeType(value)}]`;
  }
}

function unindexable(value: unknown, reason: string): EncodingError<"encoding.unindexable"> {
  const shown = describeValue(value);
  return new EncodingError("encoding.unindexable", `Cannot index ${shown}: ${reason}`, {
    details: { value: shown, reason },
  });
}
