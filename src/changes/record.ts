import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { DecodeError, isDynatomError } from "../errors/index.js";
import { formatStoredKey, MODEL_VERSION, pickKeyFields, SERVICE } from "../schema/keys.js";
import type { AtomDefinition } from "../schema/types.js";
import type { Change, ChangeOf, ChangeType, StreamAttributeValue, StreamRecord } from "./types.js";

type Image = Record<string, AttributeValue>;

/** The stream's event names, each with what its change carries: adding one fails to compile here. */
const EVENTS: Record<
  "INSERT" | "MODIFY" | "REMOVE",
  { type: ChangeType; old: boolean; new: boolean }
> = {
  INSERT: { type: "insert", old: false, new: true },
  MODIFY: { type: "modify", old: true, new: true },
  REMOVE: { type: "remove", old: true, new: false },
};

/** The atom type an item's keys belong to, among `atoms`: its `sk` starts with `$<name>_1`. */
export function atomOfKeys<D extends AtomDefinition>(
  keys: Readonly<Record<string, StreamAttributeValue>> | undefined,
  atoms: readonly D[],
): D | undefined {
  const pk = (keys?.pk as { S?: unknown } | undefined)?.S;
  const sk = (keys?.sk as { S?: unknown } | undefined)?.S;
  if (typeof pk !== "string" || typeof sk !== "string" || !pk.startsWith(`$${SERVICE}`)) {
    return undefined;
  }
  for (const atom of atoms) {
    const prefix = `$${atom.name}_${MODEL_VERSION}`;
    if (sk.startsWith(prefix) && (sk.length === prefix.length || sk[prefix.length] === "#")) {
      return atom;
    }
  }
  return undefined;
}

/**
 * An image as the decoder takes it: a Lambda event carries binaries as base64 text, the
 * Streams API as bytes.
 */
function image(from: Readonly<Record<string, StreamAttributeValue>>): Image {
  // fromEntries defines own properties: a stored attribute named "__proto__" stays an attribute.
  return Object.fromEntries(Object.entries(from).map(([name, value]) => [name, attribute(value)]));
}

/** Plain bytes, as the SDK gives them: a Buffer would decode to a Buffer, not the Uint8Array stored. */
function bytes(base64: string): Uint8Array {
  return Uint8Array.from(Buffer.from(base64, "base64"));
}

function attribute(stored: StreamAttributeValue): AttributeValue {
  const value = stored as Readonly<Record<string, unknown>>;
  if (typeof value.B === "string") return { B: bytes(value.B) };
  if (Array.isArray(value.BS) && value.BS.some((b) => typeof b === "string")) {
    return { BS: value.BS.map((b) => (typeof b === "string" ? bytes(b) : b)) };
  }
  if (Array.isArray(value.L))
    return { L: value.L.map((v) => attribute(v as StreamAttributeValue)) };
  if (typeof value.M === "object" && value.M !== null) {
    return { M: image(value.M as Readonly<Record<string, StreamAttributeValue>>) };
  }
  return value as unknown as AttributeValue;
}

function when(at: Date | number | undefined): Date {
  if (at instanceof Date) return at;
  return typeof at === "number" ? new Date(at * 1000) : new Date(Number.NaN);
}

/**
 * The typed change one stream record makes to an atom of `atoms`, decoded and migrated, with no
 * I/O: for a Lambda fed by the table's stream, or your own consumer. `undefined` for an item of
 * another type (or dynatom's own bookkeeping).
 *
 * @throws DecodeError `decode.change` naming the atom, key and sequence, when an image cannot be
 * decoded or is missing (the stream must carry NEW_AND_OLD_IMAGES).
 * @example
 * export const handler = async (event: DynamoDBStreamEvent) => {
 *   for (const record of event.Records) {
 *     const change = decodeStreamRecord(record, [Account, Counter]);
 *     if (change?.atom === "account" && change.type === "modify") audit(change.old, change.new);
 *   }
 * };
 */
export function decodeStreamRecord<const Atoms extends readonly AtomDefinition[]>(
  record: StreamRecord,
  atoms: Atoms,
): ChangeOf<Atoms> | undefined {
  const data = record.dynamodb;
  const atom = atomOfKeys(data?.Keys, atoms);
  if (atom === undefined || data === undefined) return undefined;
  const sequence = data.SequenceNumber ?? "";
  const event = Object.hasOwn(EVENTS, record.eventName ?? "")
    ? EVENTS[record.eventName as keyof typeof EVENTS]
    : undefined;
  const fail = (which: "old" | "new" | "keys", reason: string, cause?: unknown) => {
    let shown: string;
    try {
      shown = formatStoredKey(atom.key, image(data.NewImage ?? data.OldImage ?? data.Keys ?? {}));
    } catch {
      shown = "(its key fields cannot be read)"; // the image is malformed: the reason says how
    }
    return new DecodeError(
      "decode.change",
      `Atom "${atom.name}" ${shown}, stream record ${sequence}: ${reason}.`,
      {
        details: { atom: atom.name, key: shown, sequence, image: which, reason },
        ...(cause === undefined ? {} : { cause }),
      },
    );
  };
  if (event === undefined) {
    throw fail("keys", `its event "${String(record.eventName)}" is none of INSERT, MODIFY, REMOVE`);
  }
  const decode = (which: "old" | "new") => {
    const stored = which === "old" ? data.OldImage : data.NewImage;
    if (stored === undefined) {
      throw fail(
        which,
        `the record has no ${which === "old" ? "OldImage" : "NewImage"}: the table's stream must carry NEW_AND_OLD_IMAGES`,
      );
    }
    try {
      return atom.decode(image(stored));
    } catch (err) {
      const why = isDynatomError(err) ? `[${err.code}] ${err.message}` : String(err);
      throw fail(which, `its ${which} image cannot be decoded: ${why}`, err);
    }
  };
  const old = event.old ? decode("old") : undefined;
  const next = event.new ? decode("new") : undefined;
  const value = (next ?? old) as Readonly<Record<string, unknown>>;
  return {
    atom: atom.name,
    type: event.type,
    key: pickKeyFields(atom.key, value),
    old,
    new: next,
    sequence,
    at: when(data.ApproximateCreationDateTime),
  } as Change as ChangeOf<Atoms>;
}
