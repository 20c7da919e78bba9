import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { parse } from "yaml";
import { TYPE_PROPERTIES } from "../../codegen/check-field.js";
import {
  FIELD_TYPES,
  FORMATS,
  formatError,
  generate,
  type SchemaFile,
} from "../../codegen/index.js";
import { validate } from "../helpers/json-schema.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const corpusDir = join(root, "test/fixtures/codegen");
const outFile = join(corpusDir, "expected.gen.ts");
const SCHEMA_FILE = /\.atom\.(ya?ml|json)$/;

const load = (dir: string): SchemaFile[] =>
  readdirSync(dir)
    .filter((name) => SCHEMA_FILE.test(name))
    .map((name) => ({
      path: relative(root, join(dir, name)),
      text: readFileSync(join(dir, name), "utf8"),
    }));

const corpus = load(corpusDir);
const expected = readFileSync(outFile, "utf8");

function errorsOf(files: SchemaFile[]): string[] {
  const result = generate({ files, outFile: "out.gen.ts" });
  if (result.ok || "code" in result) throw new Error("expected errors and no code");
  return result.errors.map(formatError);
}

const one = (text: string, path = "x.atom.yaml"): string[] => errorsOf([{ path, text }]);

test("the corpus generates the checked-in module, byte for byte", (t) => {
  t.true(corpus.length >= 3);
  const result = generate({ files: corpus, outFile: relative(root, outFile) });
  if (!result.ok) t.fail(result.errors.map(formatError).join("\n"));
  else t.is(result.code, expected);
});

test("the output does not depend on the order of the files", (t) => {
  const permutations = <T>(items: T[]): T[][] =>
    items.length <= 1
      ? [items]
      : items.flatMap((item, i) =>
          permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [
            item,
            ...rest,
          ]),
        );
  for (const files of permutations(corpus)) {
    const result = generate({ files, outFile: relative(root, outFile) });
    t.true(result.ok && result.code === expected, files.map((f) => f.path).join(", "));
  }
});

test("the header names the sources relative to the output file, sorted", (t) => {
  const result = generate({ files: corpus, outFile: "test/fixtures/codegen/expected.gen.ts" });
  t.true(result.ok);
  if (result.ok) t.true(result.code.includes("//   account.atom.yaml\n//   counter.atom.json\n"));
  const elsewhere = generate({ files: corpus, outFile: "src/atoms.gen.ts" });
  t.true(
    elsewhere.ok && elsewhere.code.includes('from "../test/fixtures/codegen/account.migrate.js"'),
  );
});

test("bad fixture files give errors with file, line and column, and no code", (t) => {
  const bad = load(join(corpusDir, "bad"));
  const byName = (name: string) => errorsOf(bad.filter((file) => file.path.endsWith(name)));
  t.deepEqual(byName("unknown-type.atom.yaml"), [
    'test/fixtures/codegen/bad/unknown-type.atom.yaml:6:17: field "size": unknown type "float" (types: string, number, integer, bigint, boolean, date, bytes, unknown, enum, literal, list, set, map, object, record)',
  ]);
  t.deepEqual(byName("missing-key-field.atom.yaml"), [
    'test/fixtures/codegen/bad/missing-key-field.atom.yaml:3:13: key.pk: "tenant" is not a field (fields: id)',
  ]);
  t.deepEqual(byName("min-on-string.atom.yaml"), [
    'test/fixtures/codegen/bad/min-on-string.atom.yaml:5:23: field "id": min does not fit a string (min is for number, integer, bigint and date)',
  ]);
  const yaml = byName("bad-yaml.atom.yaml");
  t.is(yaml.length, 1);
  t.regex(yaml[0] ?? "", /^test\/fixtures\/codegen\/bad\/bad-yaml\.atom\.yaml:4:1: bad YAML: /);
  t.regex(
    byName("bad.atom.json")[0] ?? "",
    /^test\/fixtures\/codegen\/bad\/bad\.atom\.json:\d+:\d+: bad JSON: /,
  );
  // One bad file among good ones: still no code.
  const mixed = generate({ files: [...corpus, ...bad.slice(0, 1)], outFile: "out.gen.ts" });
  t.false(mixed.ok);
  t.false("code" in mixed);
});

const head = "name: thing\nversion: 1\nkey: [id]\n";

test("the top level: missing or malformed name, version, key and fields", (t) => {
  t.deepEqual(one("version: 1\nkey: [id]\nfields: { id: string }\n"), [
    "x.atom.yaml:1:1: missing name",
  ]);
  t.deepEqual(one("name: 1x\nversion: 0\nkey: [id]\nfields: { id: string }\n"), [
    'x.atom.yaml:1:7: the name "1x" must start with a letter and hold only letters, digits, _ and - (at most 64)',
    "x.atom.yaml:2:10: version must be a whole number from 1, not 0",
  ]);
  t.deepEqual(one("name: thing\nversion: 1\nfields: { id: string }\nextra: 1\n"), [
    'x.atom.yaml:4:1: unknown property "extra" (allowed: name, version, key, indexes, fields, migrate)',
    "x.atom.yaml:1:1: missing key",
  ]);
  t.deepEqual(one("- a\n"), [
    "x.atom.yaml:1:1: the file must be a mapping with name, version, key and fields, not a list",
  ]);
  t.deepEqual(one(`${head}fields: {}\n`), [
    "x.atom.yaml:4:9: fields must be a mapping of field names to types, with at least one",
  ]);
  t.deepEqual(one(`${head}migrate: account.migrate\nfields: { id: string }\n`), [
    'x.atom.yaml:4:10: migrate must be a relative path to a .ts or .js module (e.g. ./account.migrate.ts), not "account.migrate"',
  ]);
});

test("key and index fields must be present, required and indexable", (t) => {
  t.deepEqual(
    one(
      "name: thing\nversion: 1\nkey: { pk: [id], sk: [tags] }\nindexes:\n  byNote: { pk: [note], sk: [nope] }\nfields:\n  id: string\n  tags: { type: set, of: string }\n  note: { type: string, optional: true }\n",
    ),
    [
      'x.atom.yaml:3:23: key.sk: "tags" is a set, which cannot be a key (allowed: string, number, integer, bigint, boolean, date, enum, literal)',
      'x.atom.yaml:5:18: index "byNote".pk: "note" is optional or nullable; key and index fields must always be present',
      'x.atom.yaml:5:30: index "byNote".sk: "nope" is not a field (fields: id, tags, note)',
    ],
  );
  t.deepEqual(one(`${head}fields: { id: string, pk: string }\n`), [
    'x.atom.yaml:4:23: the field "pk" cannot be used: "pk" is one of the table\'s key attributes',
  ]);
});

test("constraints must fit the type and hold sensible values", (t) => {
  const field = (spec: string) => one(`${head}fields:\n  id: string\n  f: ${spec}\n`);
  t.deepEqual(field("{ type: number, minLength: 1 }"), [
    'x.atom.yaml:6:22: field "f": minLength does not fit a number (minLength is for string, list and bytes)',
  ]);
  t.deepEqual(field("{ type: set, of: string, pattern: x }"), [
    'x.atom.yaml:6:31: field "f": pattern does not fit a set (pattern is for string)',
  ]);
  t.deepEqual(field("{ type: string, format: phone }"), [
    'x.atom.yaml:6:30: field "f": format must be one of email, url, uuid, not "phone"',
  ]);
  t.deepEqual(field("{ type: string, pattern: '(' }"), [
    'x.atom.yaml:6:31: field "f": pattern is not a valid regular expression: (',
  ]);
  t.deepEqual(field("{ type: integer, min: 1.5 }"), [
    'x.atom.yaml:6:28: field "f": min must be a whole number',
  ]);
  t.deepEqual(field("{ type: date, max: tomorrow }"), [
    'x.atom.yaml:6:25: field "f": max must be an ISO date, e.g. 2024-01-01 or 2024-01-01T00:00:00Z',
  ]);
  t.deepEqual(field("{ type: number, min: 2, max: 1 }"), [
    'x.atom.yaml:6:6: field "f": min is above max',
  ]);
  t.deepEqual(field("{ type: enum, values: [a, a] }"), [
    'x.atom.yaml:6:28: field "f": values must be a list of distinct strings, at least one',
  ]);
  t.deepEqual(field("list"), ['x.atom.yaml:6:6: field "f": a list needs { type: list, of: ... }']);
  t.deepEqual(field("{ type: map, of: string }"), ['x.atom.yaml:6:6: field "f": a map needs key']);
  t.deepEqual(field("{ type: object, fields: { a: { type: list, of: nope } } }"), [
    'x.atom.yaml:6:53: field "f".a.of: unknown type "nope" (types: string, number, integer, bigint, boolean, date, bytes, unknown, enum, literal, list, set, map, object, record)',
  ]);
  t.deepEqual(field("{ type: string, optional: yes }"), [
    'x.atom.yaml:6:32: field "f": optional must be true or false',
  ]);
});

test("atoms across files: one name, one export each", (t) => {
  const file = (path: string, name: string) => ({
    path,
    text: `name: ${name}\nversion: 1\nkey: [id]\nfields: { id: string }\n`,
  });
  t.deepEqual(errorsOf([file("a.atom.yaml", "thing"), file("b.atom.yaml", "thing")]), [
    'b.atom.yaml:1:1: the atom "thing" is also declared in a.atom.yaml',
  ]);
  t.deepEqual(errorsOf([file("a.atom.yaml", "my-thing"), file("b.atom.yaml", "my_thing")]), [
    'b.atom.yaml:1:1: the atoms "my-thing" (a.atom.yaml) and "my_thing" would both be exported as MyThing',
  ]);
});

test("the JSON Schema is JSON and lists the types and properties check.ts takes", (t) => {
  // No JSON Schema validator is a dependency: this checks the schema agrees with the checker.
  const schema = JSON.parse(readFileSync(join(root, "atom-file.schema.json"), "utf8"));
  const defs = schema.$defs;
  t.deepEqual(defs.typeName.enum, [...FIELD_TYPES]);
  t.deepEqual(defs.fieldObject.properties.format.enum, [...FORMATS]);
  t.deepEqual(Object.keys(schema.properties), [
    "$schema",
    "name",
    "version",
    "key",
    "indexes",
    "fields",
    "migrate",
  ]);
  const perType = new Map<string, string[]>(
    defs.fieldObject.allOf.map(
      (rule: {
        if: { properties: { type: { const: string } } };
        then: { propertyNames: { enum: string[] } };
      }) => [rule.if.properties.type.const, rule.then.propertyNames.enum],
    ),
  );
  for (const type of FIELD_TYPES) {
    t.deepEqual(
      perType.get(type),
      ["type", "optional", "nullable", "description", ...TYPE_PROPERTIES[type]],
      type,
    );
    for (const property of TYPE_PROPERTIES[type])
      t.truthy(defs.fieldObject.properties[property], `${type}.${property}`);
  }
  const package_ = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  t.is(package_.exports["./atom-file.schema.json"], "./atom-file.schema.json");
  t.true(package_.files.includes("atom-file.schema.json"));
  // Every corpus file that names the schema names this one.
  const json = corpus.filter((file) => file.path.endsWith(".json"));
  t.true(json.length > 0);
  for (const file of json)
    t.is(
      join(root, file.path, "..", JSON.parse(file.text).$schema),
      join(root, "atom-file.schema.json"),
    );
});

test("the output is already in Biome's format, long lines included", (t) => {
  const biome = join(root, "node_modules/.bin/biome");
  for (const dir of [corpusDir, join(corpusDir, "layout")]) {
    const result = generate({ files: load(dir), outFile: join(dir, "out.gen.ts") });
    if (!result.ok) return t.fail(result.errors.map(formatError).join("\n"));
    const formatted = execFileSync(
      biome,
      ["check", "--write", `--stdin-file-path=${join(dir, "out.gen.ts")}`],
      { input: result.code, encoding: "utf8", cwd: root },
    );
    t.is(formatted, result.code, dir);
  }
});

test("every corpus file is valid against the JSON Schema, and bad ones are not", (t) => {
  const schema = JSON.parse(readFileSync(join(root, "atom-file.schema.json"), "utf8"));
  const files = [...corpus, ...load(join(corpusDir, "layout"))];
  for (const file of files) t.deepEqual(validate(schema, parse(file.text)), [], file.path);
  const invalid = (text: string) => validate(schema, parse(text));
  const bad = load(join(corpusDir, "bad"));
  for (const name of ["unknown-type.atom.yaml", "min-on-string.atom.yaml"]) {
    const file = bad.find((f) => f.path.endsWith(name));
    t.true(file !== undefined && invalid(file.text).length > 0, name);
  }
  t.deepEqual(invalid("name: thing\nversion: 1\nfields: { id: string }\n"), ["/: misses key"]);
  t.true(invalid(`${head}fields: { id: list }\n`).length > 0);
  t.true(invalid(`${head}fields: { id: { type: enum } }\n`).length > 0);
  t.true(invalid(`${head}fields: { id: { type: string, format: phone } }\n`).length > 0);
});
