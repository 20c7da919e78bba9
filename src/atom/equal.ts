/**
 * Structural equality of stored values, for `compareAndSet`: the same types and prototypes, the
 * same fields (in any order), Maps and Sets with the same entries (in any order), Dates at the
 * same time, binary with the same bytes. Numbers compare with `Object.is`, so NaN equals NaN
 * and -0 does not equal 0, as they are stored.
 */
export function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime());
  if (a instanceof RegExp || a instanceof URL) return String(a) === String(b);
  if (a instanceof ArrayBuffer || ArrayBuffer.isView(a))
    return Buffer.compare(bytes(a), bytes(b)) === 0;
  if (a instanceof Map) return sameEntries([...a], [...(b as Map<unknown, unknown>)]);
  if (a instanceof Set)
    return sameEntries(
      [...a].map((m) => [m, m]),
      [...(b as Set<unknown>)].map((m) => [m, m]),
    );
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (Object.hasOwn(a, i) !== Object.hasOwn(other, i) || !equal(a[i], other[i])) return false;
    }
    return true;
  }
  if (a instanceof Error && (a.name !== (b as Error).name || a.message !== (b as Error).message))
    return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every(
    (key) =>
      Object.hasOwn(b, key) &&
      equal((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

function bytes(value: object): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  const view = value as ArrayBufferView;
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** The same entries in any order; keys that are objects match structurally. */
function sameEntries(
  a: readonly (readonly [unknown, unknown])[],
  b: readonly (readonly [unknown, unknown])[],
): boolean {
  if (a.length !== b.length) return false;
  const rest = [...b];
  for (const [key, value] of a) {
    const at = rest.findIndex(([k, v]) => equal(key, k) && equal(value, v));
    if (at < 0) return false;
    rest.splice(at, 1);
  }
  return true;
}
