/**
 * Typed paths into a value, for `swapIn`: property names of objects, indexes of arrays, keys of
 * Maps. Updates copy along the path and share everything else, so the old value is untouched.
 */

type Step = string | number;

/** The value at a path, `undefined` included where a step may be missing. */
export type ValueAt<T, P extends readonly Step[]> = P extends readonly [
  infer H,
  ...infer R extends Step[],
]
  ? T extends ReadonlyMap<infer K, infer V>
    ? H extends K
      ? ValueAt<V | undefined, R>
      : never
    : T extends readonly (infer E)[]
      ? H extends number
        ? ValueAt<E | undefined, R>
        : never
      : H extends keyof NonNullable<T>
        ? ValueAt<NonNullable<T>[H] | (undefined extends T ? undefined : never), R>
        : never
  : T;

/** Whether `step` indexes an array: a whole number from 0 (not `"length"`, not `"1"`). */
function isIndex(step: Step): step is number {
  return typeof step === "number" && Number.isInteger(step) && step >= 0;
}

/**
 * The first step of `path` that cannot go where it points in `value` (a step into an array that
 * is not an index; for a `write`, one past its end, which would leave holes), described, or
 * undefined when every step fits.
 */
export function badStep(
  value: unknown,
  path: readonly Step[],
  { write }: { readonly write: boolean } = { write: true },
): string | undefined {
  let current = value;
  for (const [i, step] of path.entries()) {
    if (Array.isArray(current) && !isIndex(step)) {
      return `step ${i} (${JSON.stringify(step)}) goes into an array, which takes a whole number from 0`;
    }
    // One past the end appends; further would leave holes (or, from 2³², not be an index).
    if (write && Array.isArray(current) && (step as number) > current.length) {
      return `step ${i} (${step}) is past the end of an array of ${current.length}: use at most ${current.length} (to append)`;
    }
    current = getIn(current, [step]);
  }
  return undefined;
}

/** A copy of an object with its prototype, its own fields copied as they are (`__proto__` too). */
function copyOf(base: object): Record<Step, unknown> {
  return Object.defineProperties(
    Object.create(Object.getPrototypeOf(base)),
    Object.getOwnPropertyDescriptors(base),
  );
}

export function getIn(value: unknown, path: readonly Step[]): unknown {
  let current = value;
  for (const step of path) {
    if (Array.isArray(current) && !isIndex(step)) return undefined;
    if (current instanceof Map) current = current.get(step);
    else if (typeof current === "object" && current !== null && Object.hasOwn(current, step)) {
      current = (current as Record<Step, unknown>)[step];
    } else return undefined;
  }
  return current;
}

/** A copy of `value` with `next` at `path`; missing objects along the way are created. */
export function assocIn(value: unknown, path: readonly Step[], next: unknown): unknown {
  const [step, ...rest] = path;
  if (step === undefined) return next;
  if (value instanceof Map) {
    const copy = new Map(value);
    copy.set(step, assocIn(value.get(step), rest, next));
    return copy;
  }
  if (Array.isArray(value)) {
    const copy = [...value];
    copy[Number(step)] = assocIn(value[Number(step)], rest, next);
    return copy;
  }
  const base = typeof value === "object" && value !== null ? value : {};
  const copy = copyOf(base);
  const child = Object.hasOwn(base, step) ? (base as Record<Step, unknown>)[step] : undefined;
  Object.defineProperty(copy, step, {
    value: assocIn(child, rest, next),
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

/**
 * A copy of `value` without what is at `path` (an object's field, a Map's key; an array's
 * element is taken out, moving the later ones down); `value` itself when nothing is there.
 */
export function dissocIn(value: unknown, path: readonly Step[]): unknown {
  const [step, ...rest] = path;
  if (step === undefined) return undefined;
  if (value instanceof Map) {
    if (!value.has(step)) return value;
    const copy = new Map(value);
    if (rest.length === 0) copy.delete(step);
    else copy.set(step, dissocIn(value.get(step), rest));
    return copy;
  }
  if (typeof value !== "object" || value === null || !Object.hasOwn(value, step)) return value;
  if (Array.isArray(value)) {
    const index = Number(step);
    const copy = [...value];
    if (rest.length === 0) copy.splice(index, 1);
    else copy[index] = dissocIn(value[index], rest);
    return copy;
  }
  const copy = copyOf(value);
  if (rest.length === 0) delete copy[step];
  else {
    Object.defineProperty(copy, step, {
      value: dissocIn((value as Record<Step, unknown>)[step], rest),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
