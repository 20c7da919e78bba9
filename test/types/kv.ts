// Type tests of the key-value facade: compiled by `tsc -p test/types` in `npm test`.
import { createStore, isDynatomError, type KeyValue } from "dynatom";

const kv: KeyValue = createStore({ table: "app", atoms: [] }).kv("settings");

// A default says what the value at the path is.
const [old, next] = await kv.updateIn("site", ["hits"], (n = 0) => n + 1);
const count: number = next;
// Nothing was declared about the old value: it is unknown, not a number.
// @ts-expect-error: unknown is not a number
const before: number = old;
void [count, before];

// A declared type is what the function and the old value get.
const [list] = await kv.updateIn("site", ["tags"], (xs: string[] | undefined) => [
  ...(xs ?? []),
  "a",
]);
const tags: string[] | undefined = list;
void tags;

// Values are unknown unless asked for.
const value = await kv.get("site");
// @ts-expect-error: unknown
value.theme;
const typed = await kv.get<{ theme: string }>("site");
const theme: string | undefined = typed?.theme;
void theme;

const { version } = await kv.set("site", { theme: "dark" });
const v: number = version;
void v;

try {
  await kv.put("job", 1, { ifVersion: 3 });
} catch (err) {
  if (isDynatomError(err, "kv.version-mismatch")) {
    const actual: number = err.details.actual;
    void actual;
  }
}

for await (const entry of kv.log<{ who: string }>("audit", { from: 0 })) {
  const who: string = entry.value.who;
  const seq: number = entry.seq;
  void [who, seq];
}

const blob = await kv.openBlob("logo");
const stream: ReadableStream<Uint8Array> | undefined = blob?.stream;
void stream;
// @ts-expect-error: a blob takes bytes, not a string
await kv.setBlob("logo", "text");
