import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import type { SchemaFile } from "./index.js";

/** The names of schema files: one atom per file, YAML or JSON. */
export const SCHEMA_FILE = /\.atom\.(ya?ml|json)$/;

async function walk(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && !entry.name.startsWith("."))
        found.push(...(await walk(path)));
    } else if (SCHEMA_FILE.test(entry.name)) found.push(path);
  }
  return found;
}

/** What `readSchemaFiles` could not read: a path that is not there. */
export class MissingPathError extends Error {
  constructor(readonly path: string) {
    super(`${path}: no such file or folder`);
  }
}

/**
 * The schema files at these paths: a file as given, a folder searched for `*.atom.yaml`,
 * `*.atom.yml` and `*.atom.json` (skipping `node_modules` and dot folders). Paths come back
 * relative to `cwd`, sorted, each once.
 *
 * @example const files = await readSchemaFiles(["atoms"], process.cwd());
 */
export async function readSchemaFiles(
  paths: readonly string[],
  cwd: string,
): Promise<SchemaFile[]> {
  const found = new Set<string>();
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    const info = await stat(absolute).catch(() => undefined);
    if (info === undefined) throw new MissingPathError(path);
    if (info.isDirectory()) for (const file of await walk(absolute)) found.add(file);
    else found.add(absolute);
  }
  const files = await Promise.all(
    [...found].sort().map(async (absolute) => ({
      path: relative(cwd, absolute).split("\\").join("/") || absolute,
      text: await readFile(absolute, "utf8"),
    })),
  );
  return files;
}
