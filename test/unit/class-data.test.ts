import { homedir } from "node:os";
import { join, resolve } from "node:path";
import test from "ava";
import { classDataRoot, rewriteManifest } from "../../src/local/class-data.js";

const shipped = [
  "Manifest-Version: 1.0",
  "Main-Class: software.amazon.dynamodb.services.local.main.ServerRunner",
  "Class-Path: . log4j2.xml DynamoDBLocal_lib/Apache-HttpComponents-HttpC",
  " lient-4.5.x.jar DynamoDBLocal_lib/libsqlite4java-linux-amd64.so Dyna",
  " moDBLocal_lib/jetty-server-12.0.31.jar",
  "",
  "",
].join("\r\n");

function unfold(text: string): string[] {
  return text.replace(/\r\n /g, "").split("\r\n");
}

test("the class path keeps only library jars, relative to the copy", (t) => {
  const lines = unfold(rewriteManifest(shipped, "../../lib/dynamodb_local"));
  t.deepEqual(lines, [
    "Manifest-Version: 1.0",
    "Main-Class: software.amazon.dynamodb.services.local.main.ServerRunner",
    "Class-Path: ../../lib/dynamodb_local/DynamoDBLocal_lib/Apache-HttpComponents-HttpClient-4.5.x.jar ../../lib/dynamodb_local/DynamoDBLocal_lib/jetty-server-12.0.31.jar",
    "",
    "",
  ]);
});

test("no manifest line is longer than 72 bytes", (t) => {
  const text = rewriteManifest(shipped, `${"../".repeat(30)}x`);
  for (const line of text.split("\r\n")) t.true(Buffer.byteLength(line) <= 72, line);
});

test("the cache folder is always absolute; a relative XDG_CACHE_HOME is ignored", (t) => {
  t.is(classDataRoot({ DYNATOM_CACHE_DIR: ".cache/x" }), resolve(".cache/x"));
  t.is(classDataRoot({ XDG_CACHE_HOME: "/var/cache" }), "/var/cache/dynatom");
  t.is(
    classDataRoot({ XDG_CACHE_HOME: "rel", HOME: "/home/u" }),
    join(homedir(), ".cache", "dynatom"),
  );
});
