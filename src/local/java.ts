import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DynatomError } from "../errors/index.js";

/** DynamoDB Local 2.3+ is built for Java 17. */
export const MIN_JAVA_MAJOR = 17;

/** The java command to run: the caller's, else `$JAVA_HOME/bin/java` when it exists, else `java` on PATH. */
export function resolveJava(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env) {
  if (explicit !== undefined) return explicit;
  const home = env.JAVA_HOME;
  if (home) {
    const candidate = join(home, "bin", "java");
    if (existsSync(candidate)) return candidate;
  }
  return "java";
}

/** Reads the major version from `java -version` output: `"17.0.15"` → 17, `"1.8.0_292"` → 8. */
export function parseJavaMajor(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(output);
  if (!match?.[1]) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] ? Number(match[2]) : first;
}

function javaMissing(java: string, found: string | undefined, cause?: unknown) {
  const what =
    found === undefined
      ? `No Java runtime was found (tried "${java}")`
      : `Java ${MIN_JAVA_MAJOR}+ is needed, but "${java}" is Java ${found}`;
  return new DynatomError(
    "local.java-missing",
    `${what}. The embedded DynamoDB Local runs on Java ${MIN_JAVA_MAJOR} or newer. ` +
      "Install it (Debian/Ubuntu: `apt-get install -y openjdk-17-jre-headless`; " +
      "macOS: `brew install openjdk@17`), or set JAVA_HOME to one, " +
      "or point DYNATOM_ENDPOINT at another DynamoDB (e.g. http://localhost:8000) instead.",
    { details: found === undefined ? { java } : { java, found }, cause },
  );
}

/** What `java -version` said: its major version, and its whole text (which names the build). */
export interface JavaVersion {
  readonly major: number;
  readonly text: string;
}

/** Runs `java -version` and fails with `local.java-missing` unless it is Java 17 or newer. */
export async function checkJava(java: string): Promise<JavaVersion> {
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(java, ["-version"], { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.once("error", (err) => reject(javaMissing(java, undefined, err)));
    child.once("close", () => resolve(text));
  });
  const major = parseJavaMajor(output);
  if (major === undefined) throw javaMissing(java, undefined, new Error(output.trim()));
  if (major < MIN_JAVA_MAJOR) throw javaMissing(java, String(major));
  return { major, text: output.trim() };
}
