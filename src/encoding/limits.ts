/** DynamoDB's largest item, counted as DynamoDB counts it (names and values, UTF-8). */
export const MAX_ITEM_BYTES = 409_600;

/**
 * DynamoDB's nesting limit in levels, the item itself being level 1: a top-level attribute's
 * map or list is level 2, so 31 maps/lists may nest inside one another.
 */
export const MAX_DEPTH = 32;

/** The level of a top-level attribute's value. */
export const FIELD_LEVEL = 2;

/** Significant digits DynamoDB's `N` holds. */
export const MAX_N_DIGITS = 38;

// DynamoDB's N holds magnitudes from 1E-130 to just under 1E+126.
const MIN_N_MAGNITUDE = 1e-130;
const MAX_N_MAGNITUDE = 1e126;

/**
 * The `N` text for a number DynamoDB holds exactly, or undefined when it cannot (NaN, ±Infinity,
 * -0, magnitudes outside N's range). A double never has more than 17 significant digits, and
 * JS prints the shortest text that reads back as the same double, so the round trip is exact.
 */
export function numberToN(value: number): string | undefined {
  if (value === 0) return Object.is(value, -0) ? undefined : "0";
  const magnitude = value < 0 ? -value : value;
  if (!(magnitude >= MIN_N_MAGNITUDE && magnitude < MAX_N_MAGNITUDE)) return undefined;
  return String(value);
}

/** The `N` text for a bigint of at most 38 digits, else undefined. */
export function bigintToN(value: bigint): string | undefined {
  const text = String(value);
  const digits = value < 0n ? text.length - 1 : text.length;
  return digits <= MAX_N_DIGITS ? text : undefined;
}
