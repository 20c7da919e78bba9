import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { exportName } from "../codegen/emit.js";
import { SCHEMA_FILE } from "../codegen/files.js";
import { buildAtoms, checkFiles, formatError } from "../codegen/index.js";
import type { AtomDefinition } from "../src/index.js";
import { badInput } from "./failure.js";
import { loadSchemaFiles } from "./schema-files.js";

/** Whether a module's export is an atom type (what defineAtom returns). */
function isAtomDefinition(value: unknown): value is AtomDefinition {
  if (typeof value !== "object" || value === null) return false;
  const d = value as Partial<Record<keyof AtomDefinition, unknown>>;
  return (
    typeof d.name === "string" &&
    typeof d.version === "number" &&
    typeof d.encode === "function" &&
    typeof d.decode === "function" &&
    Array.isArray(d.indexes)
  );
}

async function fromModule(path: string, cwd: string): Promise<AtomDefinition[]> {
  const absolute = resolve(cwd, path);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (err) {
    const hint = /\.[mc]?tsx?$/.test(path)
      ? " Node loads TypeScript only through a loader: run dynatom with tsx (npx tsx node_modules/.bin/dynatom …), or give the schema files or a built .js module."
      : "";
    throw badInput(`--atoms ${path}: cannot load it: ${(err as Error).message}.${hint}`);
  }
  const found = new Set(Object.values(module).filter(isAtomDefinition));
  if (found.size === 0) {
    throw badInput(`--atoms ${path}: the module exports no atom types (values made by defineAtom)`);
  }
  return [...found];
}

/**
 * The atom types at `--atoms` paths: schema files and folders of them (built as codegen would
 * declare them), or modules exporting `defineAtom` values. `withMigrations: false` skips loading
 * migrate modules.
 *
 * @example const atoms = await loadAtoms(["atoms"], process.cwd());
 */
export async function loadAtoms(
  paths: readonly string[],
  cwd: string,
  options: { readonly withMigrations?: boolean } = {},
): Promise<AtomDefinition[]> {
  const schemaPaths: string[] = [];
  const atoms: AtomDefinition[] = [];
  for (const path of paths) {
    const info = await stat(resolve(cwd, path)).catch(() => undefined);
    if (info === undefined) throw badInput(`--atoms ${path}: no such file or folder`);
    if (info.isDirectory() || SCHEMA_FILE.test(path)) schemaPaths.push(path);
    else atoms.push(...(await fromModule(path, cwd)));
  }
  if (schemaPaths.length > 0) {
    const checked = checkFiles(await loadSchemaFiles(schemaPaths, cwd));
    if (!checked.ok) {
      const lines = checked.errors.map(formatError).join("\n");
      throw badInput(`the schema files have errors:\n${lines}`);
    }
    atoms.push(...(await buildAtoms(checked.atoms, options)));
  }
  return atoms;
}

/** The atom type a command names: by its name (`user-profile`) or its export (`UserProfile`). */
export function pickAtom(atoms: readonly AtomDefinition[], name: string): AtomDefinition {
  const found =
    atoms.find((atom) => atom.name === name) ??
    atoms.find((atom) => exportName(atom.name) === name);
  if (found === undefined) {
    const known = atoms.map((atom) => atom.name).join(", ");
    throw badInput(`no atom type "${name}" in --atoms (there: ${known || "none"})`);
  }
  return found;
}
