import { reservedReason } from "../src/schema/bookkeeping.js";
import { checkField, describe, entryMap } from "./check-field.js";
import type { CodegenError } from "./errors.js";
import type { AtomModel, FieldModel, FieldType, IndexModel } from "./model.js";
import type { Pos, SourceTree, TreeNode } from "./read.js";

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const GSI = /^gsi[1-9]\d*$/;

const TOP_LEVEL = ["$schema", "name", "version", "key", "indexes", "fields", "migrate"];

const KEY_TYPES: ReadonlySet<FieldType> = new Set([
  "string",
  "number",
  "integer",
  "bigint",
  "boolean",
  "date",
  "enum",
  "literal",
]);

export type CheckResult =
  | { readonly ok: true; readonly atom: AtomModel }
  | { readonly ok: false; readonly errors: readonly CodegenError[] };

/**
 * Checks one parsed schema file against the format (API §7) and returns its model, or every
 * problem found, each naming the file, line and column.
 *
 * @example
 * const read = readAtomFile(file, text);
 * const checked = read.ok ? checkAtomFile(read.tree) : read;
 */
export function checkAtomFile(tree: SourceTree): CheckResult {
  const errors: CodegenError[] = [];
  const error = (pos: Pos, message: string): undefined => {
    errors.push({ file: tree.file, line: pos.line, col: pos.col, message });
    return undefined;
  };
  const root = tree.root;
  if (root.kind !== "map") {
    error(
      root.pos,
      `the file must be a mapping with name, version, key and fields, not ${describe(root)}`,
    );
    return { ok: false, errors };
  }
  const top = entryMap(root.entries);
  for (const entry of root.entries) {
    if (!TOP_LEVEL.includes(entry.key)) {
      error(
        entry.keyPos,
        `unknown property "${entry.key}" (allowed: ${TOP_LEVEL.slice(1).join(", ")})`,
      );
    }
  }

  const nameNode = top.get("name")?.value;
  let name: string | undefined;
  if (nameNode === undefined) error(root.pos, "missing name");
  else if (nameNode.kind !== "scalar" || typeof nameNode.value !== "string")
    error(nameNode.pos, `name must be a string, not ${describe(nameNode)}`);
  else if (!NAME.test(nameNode.value))
    error(
      nameNode.pos,
      `the name "${nameNode.value}" must start with a letter and hold only letters, digits, _ and - (at most 64)`,
    );
  else name = nameNode.value;

  const versionNode = top.get("version")?.value;
  let version: number | undefined;
  if (versionNode === undefined) error(root.pos, "missing version");
  else if (
    versionNode.kind !== "scalar" ||
    typeof versionNode.value !== "number" ||
    !Number.isInteger(versionNode.value) ||
    versionNode.value < 1
  )
    error(versionNode.pos, `version must be a whole number from 1, not ${describe(versionNode)}`);
  else version = versionNode.value;

  const fieldsNode = top.get("fields")?.value;
  let fields: (readonly [string, FieldModel])[] | undefined;
  if (fieldsNode === undefined) error(root.pos, "missing fields");
  else if (fieldsNode.kind !== "map" || fieldsNode.entries.length === 0)
    error(fieldsNode.pos, "fields must be a mapping of field names to types, with at least one");
  else {
    fields = [];
    for (const entry of fieldsNode.entries) {
      const reason = reservedReason(entry.key);
      if (reason !== undefined)
        error(entry.keyPos, `the field "${entry.key}" cannot be used: ${reason}`);
      const field = checkField(entry.value, `field "${entry.key}"`, error);
      if (field !== undefined) fields.push([entry.key, field]);
    }
  }
  const byName = new Map(fields ?? []);
  const fieldPos = new Map(
    fieldsNode?.kind === "map" ? fieldsNode.entries.map((entry) => [entry.key, entry.keyPos]) : [],
  );

  const keyFields = (node: TreeNode | undefined, where: string): string[] | undefined => {
    if (node === undefined) return [];
    if (node.kind !== "list") return error(node.pos, `${where} must be a list of field names`);
    const names: string[] = [];
    for (const item of node.items) {
      if (item.kind !== "scalar" || typeof item.value !== "string") {
        error(item.pos, `${where} must list field names, not ${describe(item)}`);
        continue;
      }
      const field = byName.get(item.value);
      if (fields !== undefined && field === undefined && !fieldPos.has(item.value)) {
        error(
          item.pos,
          `${where}: "${item.value}" is not a field (fields: ${[...fieldPos.keys()].join(", ")})`,
        );
      } else if (field !== undefined && (field.optional || field.nullable)) {
        error(
          item.pos,
          `${where}: "${item.value}" is optional or nullable; key and index fields must always be present`,
        );
      } else if (field !== undefined && !KEY_TYPES.has(field.type)) {
        error(
          item.pos,
          `${where}: "${item.value}" is a ${field.type}, which cannot be a key (allowed: ${[...KEY_TYPES].join(", ")})`,
        );
      }
      if (names.includes(item.value)) error(item.pos, `${where} names "${item.value}" twice`);
      names.push(item.value);
    }
    return names;
  };

  const keyNode = top.get("key")?.value;
  let key: AtomModel["key"] | undefined;
  if (keyNode === undefined) error(root.pos, "missing key");
  else if (keyNode.kind === "list") {
    const pk = keyFields(keyNode, "key");
    if (pk !== undefined && pk.length === 0) error(keyNode.pos, "the key needs at least one field");
    else if (pk !== undefined) key = { form: "list", pk };
  } else if (keyNode.kind === "map") {
    const parts = entryMap(keyNode.entries);
    for (const entry of keyNode.entries)
      if (entry.key !== "pk" && entry.key !== "sk")
        error(entry.keyPos, `unknown key property "${entry.key}" (allowed: pk, sk)`);
    const pk = keyFields(parts.get("pk")?.value, "key.pk");
    const sk = keyFields(parts.get("sk")?.value, "key.sk");
    if (pk !== undefined && pk.length === 0)
      error(keyNode.pos, "the key needs at least one pk field");
    else if (pk !== undefined && sk !== undefined) key = { form: "object", pk, sk };
  } else error(keyNode.pos, "key must be a list of fields or { pk: [...], sk: [...] }");

  const indexes: IndexModel[] = [];
  const indexesNode = top.get("indexes")?.value;
  if (indexesNode !== undefined && indexesNode.kind !== "map")
    error(indexesNode.pos, "indexes must be a mapping of index names to { pk, sk? }");
  else if (indexesNode !== undefined && indexesNode.kind === "map") {
    const pinned = new Map<string, string>();
    for (const entry of indexesNode.entries) {
      const where = `index "${entry.key}"`;
      if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(entry.key))
        error(entry.keyPos, `the index name "${entry.key}" must be a plain identifier`);
      if (entry.value.kind !== "map") {
        error(entry.value.pos, `${where} must be { pk: [...], sk?: [...] }`);
        continue;
      }
      const parts = entryMap(entry.value.entries);
      for (const part of entry.value.entries)
        if (!["pk", "sk", "index"].includes(part.key))
          error(part.keyPos, `unknown ${where} property "${part.key}" (allowed: pk, sk, index)`);
      const pk = keyFields(parts.get("pk")?.value, `${where}.pk`);
      const sk = keyFields(parts.get("sk")?.value, `${where}.sk`);
      if (pk !== undefined && pk.length === 0) error(entry.value.pos, `${where} needs a pk field`);
      const pin = parts.get("index")?.value;
      let index: string | undefined;
      if (pin !== undefined) {
        if (pin.kind !== "scalar" || typeof pin.value !== "string" || !GSI.test(pin.value))
          error(pin.pos, `${where}: index must be gsi1, gsi2, …, not ${describe(pin)}`);
        else if (pinned.has(pin.value))
          error(pin.pos, `${where}: ${pin.value} is already used by "${pinned.get(pin.value)}"`);
        else {
          pinned.set(pin.value, entry.key);
          index = pin.value;
        }
      }
      if (pk !== undefined && sk !== undefined)
        indexes.push(
          index === undefined ? { name: entry.key, pk, sk } : { name: entry.key, pk, sk, index },
        );
    }
  }

  const migrateNode = top.get("migrate")?.value;
  let migrate: string | undefined;
  if (migrateNode !== undefined) {
    if (
      migrateNode.kind !== "scalar" ||
      typeof migrateNode.value !== "string" ||
      !/^\.\.?\/.*\.(ts|mts|js|mjs)$/.test(migrateNode.value)
    )
      error(
        migrateNode.pos,
        `migrate must be a relative path to a .ts or .js module (e.g. ./account.migrate.ts), not ${describe(migrateNode)}`,
      );
    else if (version === 1) error(migrateNode.pos, "migrate needs a version above 1");
    else migrate = migrateNode.value;
  }

  if (
    errors.length > 0 ||
    name === undefined ||
    version === undefined ||
    key === undefined ||
    fields === undefined
  )
    return { ok: false, errors };
  const atom: AtomModel = { file: tree.file, name, version, key, indexes, fields };
  return { ok: true, atom: migrate === undefined ? atom : { ...atom, migrate } };
}
