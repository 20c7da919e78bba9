import { dirname, posix, relative, resolve } from "node:path";
import type { AtomModel, Bound, FieldModel } from "./model.js";
import { array, call, type Doc, object, propertyKey, quote, render } from "./print.js";

/** The exported name of an atom: the PascalCase of its name (`user-profile` → `UserProfile`). */
export function exportName(atom: string): string {
  return atom
    .split(/[-_]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0]?.toUpperCase() + part.slice(1))
    .join("");
}

const number = (n: number): string => String(n).replace("e+", "e");

function bound(b: Bound): string {
  if (b.kind === "number") return number(b.value);
  if (b.kind === "bigint") return `${b.digits}n`;
  return `new Date(${quote(b.iso)})`;
}

function base(field: FieldModel): Doc {
  switch (field.type) {
    case "string":
    case "number":
    case "bigint":
    case "boolean":
    case "date":
    case "unknown":
      return call(`v.${field.type}`);
    case "integer":
      return call("v.number");
    case "bytes":
      return call("v.instance", "Uint8Array");
    case "enum":
      return call("v.picklist", array((field.values ?? []).map(quote)));
    case "literal": {
      const value = field.value;
      return call(
        "v.literal",
        typeof value === "string"
          ? quote(value)
          : typeof value === "number"
            ? number(value)
            : String(value),
      );
    }
    case "list":
      return call("v.array", schema(inner(field.of)));
    case "set":
      return call("v.set", schema(inner(field.of)));
    case "map":
      return call("v.map", schema(inner(field.key)), schema(inner(field.of)));
    case "record":
      return call("v.record", call("v.string"), schema(inner(field.of)));
    case "object":
      return objectSchema(field.fields ?? []);
  }
}

function inner(field: FieldModel | undefined): FieldModel {
  if (field === undefined) throw new Error("codegen: a checked field lacks its inner type");
  return field;
}

function actions(field: FieldModel): Doc[] {
  const steps: Doc[] = [];
  if (field.type === "integer") steps.push(call("v.integer"));
  if (field.minLength !== undefined) steps.push(call("v.minLength", number(field.minLength)));
  if (field.maxLength !== undefined) steps.push(call("v.maxLength", number(field.maxLength)));
  if (field.min !== undefined) steps.push(call("v.minValue", bound(field.min)));
  if (field.max !== undefined) steps.push(call("v.maxValue", bound(field.max)));
  if (field.pattern !== undefined)
    steps.push(call("v.regex", `/${new RegExp(field.pattern).source}/`));
  if (field.format !== undefined) steps.push(call(`v.${field.format}`));
  if (field.description !== undefined) steps.push(call("v.description", quote(field.description)));
  return steps;
}

/** The valibot schema of one field. */
export function schema(field: FieldModel): Doc {
  const steps = actions(field);
  let doc = steps.length === 0 ? base(field) : call("v.pipe", base(field), ...steps);
  if (field.nullable) doc = call("v.nullable", doc);
  if (field.optional) doc = call("v.optional", doc);
  return doc;
}

function objectSchema(fields: readonly (readonly [string, FieldModel])[]): Doc {
  return call(
    "v.object",
    object(
      fields.map(([name, field]) => [propertyKey(name), schema(field)] as const),
      true,
    ),
  );
}

const names = (list: readonly string[]): Doc => array(list.map(quote));

/** The import specifier of an atom's migrations module, from the output file. */
function migrateSpecifier(atom: AtomModel, outFile: string): string | undefined {
  if (atom.migrate === undefined) return undefined;
  const target = resolve(dirname(atom.file), atom.migrate)
    .replace(/\.ts$/, ".js")
    .replace(/\.mts$/, ".mjs");
  const path = relative(dirname(resolve(outFile)), target)
    .split("\\")
    .join("/");
  return path.startsWith(".") ? path : `./${path}`;
}

function declaration(atom: AtomModel, migrateName: string | undefined): string {
  const exported = exportName(atom.name);
  const entries: [string, Doc][] = [
    ["name", quote(atom.name)],
    ["version", String(atom.version)],
    ["schema", objectSchema(atom.fields)],
    [
      "key",
      atom.key.form === "list"
        ? names(atom.key.pk)
        : object(
            atom.key.sk.length === 0
              ? [["pk", names(atom.key.pk)]]
              : [
                  ["pk", names(atom.key.pk)],
                  ["sk", names(atom.key.sk)],
                ],
          ),
    ],
  ];
  if (atom.indexes.length > 0) {
    entries.push([
      "indexes",
      object(
        atom.indexes.map((index) => {
          const parts: [string, Doc][] = [["pk", names(index.pk)]];
          if (index.sk.length > 0) parts.push(["sk", names(index.sk)]);
          if (index.index !== undefined) parts.push(["index", quote(index.index)]);
          return [propertyKey(index.name), object(parts)] as const;
        }),
        true,
      ),
    ]);
  }
  if (migrateName !== undefined) entries.push(["migrate", migrateName]);
  const head = `export const ${exported} = `;
  const body = render(call("defineAtom", object(entries, true)), 0, head.length, 1);
  const type = `export type ${exported} = InferAtom<typeof ${exported}>;`;
  const typeLine =
    type.length <= 100 ? type : `export type ${exported} = InferAtom<\n  typeof ${exported}\n>;`;
  return `${head}${body};\n${typeLine}\n`;
}

/**
 * Writes one module for checked atoms: the same bytes for the same atoms in any order.
 * `outFile` places the header's file names and the migrations imports.
 *
 * @example
 * const code = emitModule([accountModel], "src/atoms.gen.ts");
 */
export function emitModule(atoms: readonly AtomModel[], outFile: string): string {
  const sorted = [...atoms].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const outDir = dirname(resolve(outFile));
  const sources = atoms
    .map((atom) => relative(outDir, resolve(atom.file)).split("\\").join(posix.sep))
    .sort();
  const imports = sorted.flatMap((atom) => {
    const specifier = migrateSpecifier(atom, outFile);
    return specifier === undefined ? [] : [[`migrate${exportName(atom.name)}`, specifier] as const];
  });
  const lines = [
    "// Generated by dynatom codegen. Do not edit: change the schema files and generate again.",
    "// Sources:",
    ...sources.map((source) => `//   ${source}`),
    "",
    'import { defineAtom, type InferAtom } from "dynatom";',
    'import * as v from "valibot";',
    ...[...imports]
      .sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
      .map(([name, specifier]) => `import ${name} from ${quote(specifier)};`),
    "",
  ];
  const declarations = sorted.map((atom) =>
    declaration(atom, atom.migrate === undefined ? undefined : `migrate${exportName(atom.name)}`),
  );
  return `${lines.join("\n")}\n${declarations.join("\n")}`;
}
