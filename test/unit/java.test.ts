import test from "ava";
import { parseJavaMajor, resolveJava } from "../../src/local/java.js";

test("reads the major version from java -version output", (t) => {
  t.is(parseJavaMajor('openjdk version "17.0.15" 2025-04-15'), 17);
  t.is(parseJavaMajor('java version "1.8.0_292"'), 8);
  t.is(parseJavaMajor('openjdk version "21" 2023-09-19'), 21);
  t.is(parseJavaMajor("no version here"), undefined);
});

test("prefers an explicit java, then JAVA_HOME, then PATH", (t) => {
  t.is(resolveJava("/opt/java"), "/opt/java");
  t.is(resolveJava(undefined, { JAVA_HOME: "/nowhere" }), "java");
  t.is(resolveJava(undefined, {}), "java");
});
