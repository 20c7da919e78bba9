// The store's own clients drop the SDK's per-request log copies (a logger without info), yet
// the SDK's warnings still reach the console as they do with its default logger.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { createStore } from "dynatom";
import { Counter } from "../helpers/atoms.js";

test("the SDK's 'multiple credential sources' warning still reaches the console", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "dynatom-warn-"));
  writeFileSync(
    join(dir, "credentials"),
    "[p]\naws_access_key_id = a\naws_secret_access_key = b\n",
  );
  writeFileSync(join(dir, "config"), "");
  Object.assign(process.env, {
    AWS_PROFILE: "p",
    AWS_ACCESS_KEY_ID: "x",
    AWS_SECRET_ACCESS_KEY: "y",
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    AWS_CONFIG_FILE: join(dir, "config"),
    AWS_REGION: "local",
  });
  const warned: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    warned.push(args.map(String).join(" "));
  };
  const store = createStore({
    table: "warnings",
    atoms: [Counter],
    endpoint: "http://127.0.0.1:9", // refused: only the credentials matter here
    retry: { maxAttempts: 1 },
  });
  try {
    await t.throwsAsync(store.atom(Counter, { name: "x" }).deref());
  } finally {
    console.warn = original;
    await store.close();
  }
  t.log(
    "console.warn calls:",
    warned.length,
    warned.map((w) => w.slice(0, 90)),
  );
  t.true(warned.some((w) => w.includes("Multiple credential sources detected")));
});
