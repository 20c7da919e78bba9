import { createHash, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import {
  access,
  mkdir,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  unlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import type { LocalJar } from "./jar.js";

/**
 * How the JVM gets its classes: from the shipped jar as it is, or from a copy of it with a
 * class-data archive (AppCDS) that holds DynamoDB Local's classes already parsed and linked.
 */
export interface ClassData {
  /** The jar to run. */
  readonly jar: string;
  /** JVM options that use the archive, or write it when the JVM exits. */
  readonly options: readonly string[];
  /** True while the archive is being written: the first stop takes longer. */
  readonly writing: boolean;
  /** After the JVM has exited: keeps an archive it wrote in full, drops anything else. */
  settle(exit: { readonly signal: string | null }): Promise<void>;
  /** Deletes the archive (it made the JVM fail, or is out of date), so that it is made anew. */
  discard(): Promise<void>;
}

const ARCHIVE = "classes.jsa";
const JAR = "DynamoDBLocal.jar";
// A manifest path that HotSpot reads as it is and Java reads as a URL must mean the same to both
// (pnpm's folders hold "@" and "+"); ":" separates archives in -XX:SharedArchiveFile.
const PLAIN_PATH = /^[A-Za-z0-9._\-/@+~]+$/;
// Drafts of a JVM that died before its stop() settled them; a dump takes seconds, not minutes.
const DRAFT_AGE_MS = 10 * 60_000;
// Folders of jars and Javas no start has used for this long are removed.
const UNUSED_MS = 30 * 24 * 60 * 60_000;
// The copy's entries get one fixed time, so that copies written at once by two processes are
// the same bytes: HotSpot uses an archive only with the very copy (size, mtime) it was made from.
const ENTRY_TIME = new Date(2020, 0, 1);

/** The folder for class-data archives: DYNATOM_CACHE_DIR, else the user cache. Absolute. */
export function classDataRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DYNATOM_CACHE_DIR) return resolve(env.DYNATOM_CACHE_DIR);
  // The XDG spec says to ignore a relative XDG_CACHE_HOME.
  const xdg = env.XDG_CACHE_HOME;
  const cache = xdg && isAbsolute(xdg) ? xdg : join(homedir(), ".cache");
  return join(cache, "dynatom");
}

/**
 * Prepares the class-data archive for this jar, this Java and these options, in a folder of its
 * own under `root`. Returns undefined where none can be had (the folder cannot be written, a path
 * that a manifest cannot hold): DynamoDB Local then starts from the shipped jar, only slower.
 */
export async function prepareClassData(
  jar: LocalJar,
  javaVersion: string,
  jvmOptions: readonly string[],
  root: string | undefined,
): Promise<ClassData | undefined> {
  try {
    const shipped = await stat(jar.jar);
    const key = createHash("sha256")
      .update(JSON.stringify([3, javaVersion, jar.jar, shipped.size, shipped.mtimeMs, jvmOptions]))
      .digest("hex")
      .slice(0, 16);
    const base = resolve(root ?? classDataRoot());
    const folder = join(base, `dynamodb-local-${key}`);
    await mkdir(folder, { recursive: true });
    await access(folder, constants.W_OK);
    // Real paths on both sides: Java resolves "../" in the manifest by text, HotSpot by folders.
    const real = await realpath(folder);
    const libraries = relative(real, await realpath(dirname(jar.jar)))
      .split(sep)
      .join("/");
    if (!PLAIN_PATH.test(libraries) || real.includes(":")) return undefined;
    await tidy(base, folder);
    const copy = join(real, JAR);
    if (!(await exists(copy))) {
      await writeAtomically(copy, await rewriteJar(jar.jar, libraries), shipped.mtime);
    }
    const archive = join(real, ARCHIVE);
    if (await exists(archive)) {
      return {
        jar: copy,
        options: [`-XX:SharedArchiveFile=${archive}`],
        writing: false,
        settle: async () => {},
        discard: () => unlink(archive).catch(() => {}),
      };
    }
    const draft = `${archive}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
    return {
      jar: copy,
      options: [`-XX:ArchiveClassesAtExit=${draft}`],
      writing: true,
      async settle({ signal }) {
        // A JVM killed or crashed while dumping leaves a cut file, which would crash the next start.
        if (signal === null && (await exists(draft))) await rename(draft, archive);
        else await unlink(draft).catch(() => {});
      },
      discard: () => unlink(draft).catch(() => {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * A copy of the shipped jar whose manifest lists only the library jars, by paths relative to the
 * copy. HotSpot refuses to archive classes when a class path holds a non-empty folder, and the
 * shipped manifest lists its own folder (`.`) and the native libraries.
 */
async function rewriteJar(shipped: string, libraries: string): Promise<Uint8Array> {
  const entries = unzipSync(new Uint8Array(await readFile(shipped)));
  const manifest = entries["META-INF/MANIFEST.MF"];
  if (manifest === undefined) throw new Error(`${shipped} has no manifest`);
  entries["META-INF/MANIFEST.MF"] = strToU8(rewriteManifest(strFromU8(manifest), libraries));
  // Stored, not deflated: the copy is read once per start, and inflating costs more than reading.
  return zipSync(entries, { level: 0, mtime: ENTRY_TIME });
}

/** Rewrites the `Class-Path` of a manifest; exported for its test. */
export function rewriteManifest(text: string, libraries: string): string {
  const lines = text.replace(/\r?\n /g, "").split(/\r?\n/);
  const out = lines
    .filter((line) => line !== "")
    .map((line) => {
      if (!line.startsWith("Class-Path:")) return line;
      const jars = line
        .slice("Class-Path:".length)
        .trim()
        .split(/\s+/)
        .filter((entry) => entry.endsWith(".jar"))
        .map((entry) => `${libraries}/${entry}`);
      return `Class-Path: ${jars.join(" ")}`;
    });
  return `${out.map(wrap).join("\r\n")}\r\n\r\n`;
}

/** Manifest lines hold at most 72 bytes; longer ones go on in lines that start with a space. */
function wrap(line: string): string {
  const parts: string[] = [];
  let rest = line;
  let width = 70;
  while (rest.length > width) {
    parts.push(rest.slice(0, width));
    rest = rest.slice(width);
    width = 69;
  }
  parts.push(rest);
  return parts.join("\r\n ");
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.size > 0,
    () => false,
  );
}

/** Two processes may build the same copy at once: each writes its own file, the last rename wins. */
async function writeAtomically(path: string, data: Uint8Array, mtime: Date): Promise<void> {
  const draft = `${path}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(draft, data);
    await utimes(draft, mtime, mtime);
    await rename(draft, path);
  } catch (err) {
    await unlink(draft).catch(() => {});
    throw err;
  }
}

/**
 * Marks `folder` used, and removes what no start will use again: drafts left by a process that
 * died before it could settle them, and other folders unused for 30 days (each `npm install`
 * of the jar makes a new one).
 */
async function tidy(base: string, folder: string): Promise<void> {
  const now = new Date();
  await utimes(folder, now, now);
  for (const name of await readdir(folder)) {
    if (!name.endsWith(".tmp")) continue;
    const path = join(folder, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now.getTime() - info.mtimeMs > DRAFT_AGE_MS) await unlink(path).catch(() => {});
  }
  for (const name of await readdir(base)) {
    if (!name.startsWith("dynamodb-local-")) continue;
    const path = join(base, name);
    const info = await stat(path).catch(() => undefined);
    if (info && now.getTime() - info.mtimeMs > UNUSED_MS) {
      await rm(path, { recursive: true, force: true }).catch(() => {});
    }
  }
}
