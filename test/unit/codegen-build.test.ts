// The command line builds atom types from schema files at run time (build.ts); they must be the
// very types the generated module declares: same keys and indexes, same items, same refusals.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import * as v from "valibot";
import { buildAtoms, checkFiles } from "../../codegen/index.js";
import { Account, Counter, EveryType } from "../fixtures/codegen/expected.gen.js";
import { account, every } from "../fixtures/codegen/values.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = join(root, "test/fixtures/codegen");
const files = readdirSync(dir)
  .filter((name) => /\.atom\.(ya?ml|json)$/.test(name))
  .map((name) => ({
    path: relative(root, join(dir, name)),
    text: readFileSync(join(dir, name), "utf8"),
  }));

async function built() {
  const cwd = process.cwd();
  // Schema file paths (and their migrate modules) are relative to the repo.
  process.chdir(root);
  try {
    const checked = checkFiles(files);
    if (!checked.ok) throw new Error("the corpus has errors");
    return new Map((await buildAtoms(checked.atoms)).map((atom) => [atom.name, atom]));
  } finally {
    process.chdir(cwd);
  }
}

const generated = [Account, Counter, EveryType];

test("built atom types have the generated ones' name, version, key, indexes and migrations", async (t) => {
  const atoms = await built();
  t.is(atoms.size, generated.length);
  for (const atom of generated) {
    const other = atoms.get(atom.name);
    if (other === undefined) return t.fail(atom.name);
    t.is(other.version, atom.version);
    t.deepEqual(other.key, atom.key);
    t.deepEqual(other.indexes, atom.indexes);
    t.deepEqual(Object.keys(other.migrate), Object.keys(atom.migrate));
  }
});

test("built atom types encode the same items and refuse the same values", async (t) => {
  const atoms = await built();
  const cases: [typeof Account | typeof Counter | typeof EveryType, unknown][] = [
    [Account, account],
    [Account, { ...account, id: "" }],
    [Account, { ...account, email: "nope" }],
    [Account, { ...account, score: 101 }],
    [Account, { ...account, address: { city: "P", zip: "7500" } }],
    [Account, { ...account, avatar: undefined, note: "n" }],
    [Counter, { name: "c", n: 7 }],
    [Counter, { name: "c", n: 1.5 }],
    [Counter, { name: "c", n: -1 }],
    [EveryType, every],
    [EveryType, { ...every, id: "x" }],
    [EveryType, { ...every, big: 9007199254740994n }],
    [EveryType, { ...every, when: new Date("2019-12-31T00:00:00Z") }],
    [EveryType, { ...every, code: "abcdefghi" }],
    [EveryType, { ...every, items: [] }],
    [EveryType, { ...every, one: 2 }],
    [EveryType, { ...every, site: "not a url" }],
  ];
  for (const [atom, value] of cases) {
    const other = atoms.get(atom.name);
    if (other === undefined) return t.fail(atom.name);
    const label = `${atom.name} ${JSON.stringify(value, (_k, x) => (typeof x === "bigint" ? `${x}n` : x))}`;
    const ours = v.safeParse(atom.schema, value);
    t.is(v.safeParse(other.schema, value).success, ours.success, label);
    if (ours.success) t.deepEqual(other.encode(value as never), atom.encode(value as never), label);
  }
});
