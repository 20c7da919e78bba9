import { expectBytes } from "../expect.js";
import { misfit, type TypeCodec } from "./codec.js";

/**
 * Binary values are stored as DynamoDB `B` (their bytes, never a list of numbers). A plain
 * `Uint8Array` needs no note; every other kind is named in the note so it comes back as itself.
 * Multi-byte typed arrays keep the platform's byte order (little-endian on every platform Node
 * supports in practice).
 */
export type BinaryKind =
  | "Buffer"
  | "ArrayBuffer"
  | "DataView"
  | "Int8Array"
  | "Uint8ClampedArray"
  | "Int16Array"
  | "Uint16Array"
  | "Int32Array"
  | "Uint32Array"
  | "Float32Array"
  | "Float64Array"
  | "BigInt64Array"
  | "BigUint64Array";

type ViewFactory = (bytes: ArrayBuffer) => unknown;

// Exhaustive: adding a kind above is a compile error until it can be rebuilt here.
const rebuild: Record<BinaryKind, { readonly unit: number; readonly make: ViewFactory }> = {
  Buffer: { unit: 1, make: (b) => Buffer.from(b) },
  ArrayBuffer: { unit: 1, make: (b) => b },
  DataView: { unit: 1, make: (b) => new DataView(b) },
  Int8Array: { unit: 1, make: (b) => new Int8Array(b) },
  Uint8ClampedArray: { unit: 1, make: (b) => new Uint8ClampedArray(b) },
  Int16Array: { unit: 2, make: (b) => new Int16Array(b) },
  Uint16Array: { unit: 2, make: (b) => new Uint16Array(b) },
  Int32Array: { unit: 4, make: (b) => new Int32Array(b) },
  Uint32Array: { unit: 4, make: (b) => new Uint32Array(b) },
  Float32Array: { unit: 4, make: (b) => new Float32Array(b) },
  Float64Array: { unit: 8, make: (b) => new Float64Array(b) },
  BigInt64Array: { unit: 8, make: (b) => new BigInt64Array(b) },
  BigUint64Array: { unit: 8, make: (b) => new BigUint64Array(b) },
};

const kindByPrototype = new Map<object, BinaryKind>(
  (Object.keys(rebuild) as BinaryKind[])
    .filter((kind) => kind !== "Buffer" && kind !== "ArrayBuffer")
    .map((kind) => [
      (globalThis as unknown as Record<string, { prototype: object }>)[kind]?.prototype ?? {},
      kind,
    ]),
);

function binaryOf(value: object): Binary | undefined {
  const proto = Object.getPrototypeOf(value);
  if (proto === Uint8Array.prototype) return { bytes: value as Uint8Array, kind: undefined };
  if (Buffer.isBuffer(value)) return { bytes: value, kind: "Buffer" };
  if (value instanceof ArrayBuffer) return { bytes: new Uint8Array(value), kind: "ArrayBuffer" };
  if (ArrayBuffer.isView(value)) {
    const kind = kindByPrototype.get(proto);
    if (kind === undefined) return undefined;
    return { bytes: new Uint8Array(value.buffer, value.byteOffset, value.byteLength), kind };
  }
  return undefined;
}

function isBinaryKind(name: string): name is BinaryKind {
  return Object.hasOwn(rebuild, name);
}

/**
 * A fresh value of `kind` over a copy of `bytes` (the SDK's buffers may share a pool), or
 * undefined when the length does not fit the kind's element size.
 */
function binaryFrom(bytes: Uint8Array, kind: BinaryKind | undefined): unknown {
  // Buffer's own slice() is a view on the same memory; this is always a copy.
  const copy = Uint8Array.prototype.slice.call(bytes);
  if (kind === undefined) return copy;
  const { unit, make } = rebuild[kind];
  if (copy.byteLength % unit !== 0) return undefined;
  return make(copy.buffer);
}

/** A binary value's bytes, and its kind (undefined for a plain Uint8Array). */
interface Binary {
  readonly bytes: Uint8Array;
  readonly kind: BinaryKind | undefined;
}

export const binary: TypeCodec<Binary> = {
  tag: "bytes",
  match: binaryOf,
  encode({ bytes, kind }) {
    return { av: { B: bytes }, note: kind === undefined ? undefined : `${binary.tag}:${kind}` };
  },
  decode(raw, type, _node, tag, _depth, walker) {
    if (type !== "B") return misfit(tag, type, walker);
    if (tag === undefined) return binaryFrom(expectBytes(raw, walker.trail), undefined);
    const kind = tag.arg;
    if (kind === undefined || !isBinaryKind(kind)) return misfit(tag, type, walker);
    const bytes = binaryFrom(expectBytes(raw, walker.trail), kind);
    return bytes === undefined ? walker.trail.fail(`its length does not fit a ${kind}`) : bytes;
  },
};

/** A fresh plain Uint8Array over a copy of `bytes`. */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return binaryFrom(bytes, undefined) as Uint8Array;
}
