// The stored format is public: every item in every corpus file must decode, in every release.
import { readdirSync, readFileSync } from "node:fs";
import test from "ava";
import { decodeItem, encodeItem, FORMAT_VERSION } from "dynatom";
import { type Corpus, fromDynamoJson, toJson } from "../fixtures/corpus.js";
import { fixtureValues } from "../fixtures/values.js";
import { difference } from "../helpers/same.js";

const dir = new URL("../fixtures/", import.meta.url);
const files = readdirSync(dir).filter((name) => /^format-v\d+\.json$/.test(name));
const corpora = files.map((file) => ({
  file,
  corpus: JSON.parse(readFileSync(new URL(file, dir), "utf8")) as Corpus,
}));

for (const { file, corpus } of corpora) {
  test(`every item in ${file} decodes to its value`, (t) => {
    for (const [name, stored] of Object.entries(corpus)) {
      const make = fixtureValues[name];
      if (make === undefined) return t.fail(`${file}: no value for fixture "${name}"`);
      const diff = difference(make(), decodeItem(fromDynamoJson(stored)), name);
      t.is(diff, undefined, `${file} › ${name}`);
    }
  });
}

test("every fixture value is in the corpus (run test/fixtures/generate.ts)", (t) => {
  const stored = new Set(corpora.flatMap(({ corpus }) => Object.keys(corpus)));
  t.deepEqual(
    Object.keys(fixtureValues).filter((name) => !stored.has(name)),
    [],
  );
});

test("this release still writes the current format exactly as stored", (t) => {
  const current = corpora.find(({ file }) => file === `format-v${FORMAT_VERSION}.json`);
  if (current === undefined) return t.fail(`no corpus for format ${FORMAT_VERSION}`);
  for (const [name, stored] of Object.entries(current.corpus)) {
    const make = fixtureValues[name];
    if (make) t.deepEqual(toJson(encodeItem(make())), stored, name);
  }
});
