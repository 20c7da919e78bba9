import { inspect } from "node:util";

/**
 * Strict structural equality for round-trip tests, stricter than a generic deep-equal where
 * dynatom promises more: prototypes, -0, NaN, sparse holes versus `undefined`, Map order, binary
 * kinds and bytes. Set order is not compared (DynamoDB sets have none). Returns the path of the
 * first difference, or undefined when the values are the same.
 */
export function difference(a: unknown, b: unknown, path = "value"): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (typeof a !== "object" || a === null || b === null) return `${path}: ${show(a)} vs ${show(b)}`;
  const bo = b as object;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(bo)) {
    return `${path}: prototype ${a.constructor?.name} vs ${bo.constructor?.name}`;
  }
  if (a instanceof Date) {
    return Object.is(a.getTime(), (bo as Date).getTime()) ? undefined : `${path}: ${a} vs ${bo}`;
  }
  if (a instanceof RegExp || a instanceof URL) {
    return String(a) === String(bo) ? undefined : `${path}: ${a} vs ${bo}`;
  }
  if (a instanceof ArrayBuffer || ArrayBuffer.isView(a)) {
    const bytes = (v: object) =>
      v instanceof ArrayBuffer
        ? new Uint8Array(v)
        : new Uint8Array(
            (v as ArrayBufferView).buffer,
            (v as ArrayBufferView).byteOffset,
            (v as ArrayBufferView).byteLength,
          );
    return Buffer.compare(bytes(a), bytes(bo)) === 0 ? undefined : `${path}: bytes differ`;
  }
  if (a instanceof Map) {
    const x = [...a.entries()];
    const y = [...(bo as Map<unknown, unknown>).entries()];
    if (x.length !== y.length) return `${path}: Map size ${x.length} vs ${y.length}`;
    for (let i = 0; i < x.length; i++) {
      const d =
        difference(x[i]?.[0], y[i]?.[0], `${path}.keys[${i}]`) ??
        difference(x[i]?.[1], y[i]?.[1], `${path}.get(${show(x[i]?.[0])})`);
      if (d) return d;
    }
    return undefined;
  }
  if (a instanceof Set) {
    const rest = [...(bo as Set<unknown>)];
    if (a.size !== rest.length) return `${path}: Set size ${a.size} vs ${rest.length}`;
    for (const member of a) {
      const at = rest.findIndex((other) => difference(member, other) === undefined);
      if (at < 0) return `${path}: Set member ${show(member)} missing`;
      rest.splice(at, 1);
    }
    return undefined;
  }
  if (a instanceof Error) {
    const e = bo as Error;
    if (a.name !== e.name || a.message !== e.message) return `${path}: ${a} vs ${e}`;
    const d = difference(a.cause, e.cause, `${path}.cause`);
    if (d) return d;
  }
  if (Array.isArray(a)) {
    const y = bo as unknown[];
    if (a.length !== y.length) return `${path}: length ${a.length} vs ${y.length}`;
    for (let i = 0; i < a.length; i++) {
      if (Object.hasOwn(a, i) !== Object.hasOwn(y, i)) return `${path}[${i}]: hole vs value`;
      const d = difference(a[i], y[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const xs = Object.keys(a).filter((k) => !(a instanceof Error && k === "stack"));
  const ys = Object.keys(bo).filter((k) => !(bo instanceof Error && k === "stack"));
  if (xs.length !== ys.length || !xs.every((k) => Object.hasOwn(bo, k))) {
    return `${path}: keys ${JSON.stringify(xs)} vs ${JSON.stringify(ys)}`;
  }
  for (const key of xs) {
    const d = difference(
      (a as Record<string, unknown>)[key],
      (bo as Record<string, unknown>)[key],
      `${path}[${JSON.stringify(key)}]`,
    );
    if (d) return d;
  }
  return undefined;
}

function show(value: unknown): string {
  return inspect(value, { depth: 2, breakLength: Number.POSITIVE_INFINITY });
}
