import { DynatomError } from "../errors/index.js";

/**
 * The longest namespace and key (in UTF-8 bytes). A key field may double in a composite key
 * (see `compositeForm`): a blob chunk's partition key holds the namespace, the name and a
 * generation, and must stay within DynamoDB's 2,048 bytes; a value's sort key within 1,024.
 */
export const MAX_NAMESPACE_BYTES = 256;
export const MAX_KEY_BYTES = 700;

/** What a name names, for messages. */
export type NameKind = "namespace" | "key" | "log name" | "blob name";

/**
 * Checks a namespace, key, log or blob name: a non-empty string, well-formed (a lone surrogate
 * has no UTF-8 form, so two such keys would collide), within its size.
 * @throws DynatomError `kv.invalid-key`, naming the namespace and the key
 */
export function checkName(namespace: string, kind: NameKind, name: unknown): string {
  const max = kind === "namespace" ? MAX_NAMESPACE_BYTES : MAX_KEY_BYTES;
  let reason: string | undefined;
  if (typeof name !== "string") reason = `it is a ${name === null ? "null" : typeof name}`;
  else if (name.length === 0) reason = "it is empty";
  else if (!name.isWellFormed()) reason = "it holds a lone surrogate, which has no UTF-8 form";
  else if (Buffer.byteLength(name) > max)
    reason = `it is ${Buffer.byteLength(name)} bytes long in UTF-8, over the ${max} allowed`;
  if (reason === undefined) return name as string;
  const shown = typeof name === "string" ? JSON.stringify(name.slice(0, 80)) : String(name);
  const where = kind === "namespace" ? "" : ` in namespace ${JSON.stringify(namespace)}`;
  throw new DynatomError(
    "kv.invalid-key",
    `The ${kind} ${shown}${where} cannot be used: ${reason}. Use a non-empty string of at most ${max} UTF-8 bytes.`,
    {
      details: {
        namespace: String(namespace),
        key: kind === "namespace" ? "" : String(name),
        reason: `${kind}: ${reason}`,
      },
    },
  );
}

/** An option out of its range. */
export function invalidOption(
  namespace: string,
  key: string,
  option: string,
  reason: string,
): DynatomError<"kv.invalid-option"> {
  const where = key === "" ? "" : ` (key ${JSON.stringify(key)})`;
  return new DynatomError(
    "kv.invalid-option",
    `kv(${JSON.stringify(namespace)})${where}: the option ${option} ${reason}.`,
    { details: { namespace, key, option, reason } },
  );
}

/** A whole number within bounds, or the default when absent. */
export function wholeOption(
  namespace: string,
  key: string,
  option: string,
  value: unknown,
  { min, max, fallback }: { min: number; max: number; fallback: number },
): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max)
    return value;
  throw invalidOption(
    namespace,
    key,
    option,
    `takes a whole number from ${min} to ${max}, not ${String(value)}`,
  );
}

/**
 * The expiry `ttlSeconds` asks for, rounded up to a whole second: the precision DynamoDB's TTL
 * keeps, so that `entry` and `listPage` show the same time.
 */
export function expiryOf(
  namespace: string,
  key: string,
  ttlSeconds: unknown,
  now: number = Date.now(),
): Date | undefined {
  if (ttlSeconds === undefined) return undefined;
  if (typeof ttlSeconds !== "number" || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw invalidOption(
      namespace,
      key,
      "ttlSeconds",
      `takes a number of seconds above 0, not ${String(ttlSeconds)}`,
    );
  }
  const at = new Date(Math.ceil((now + ttlSeconds * 1000) / 1000) * 1000);
  if (Number.isNaN(at.getTime())) {
    throw invalidOption(namespace, key, "ttlSeconds", `${ttlSeconds} goes past the last Date`);
  }
  return at;
}
