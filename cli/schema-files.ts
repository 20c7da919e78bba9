import { MissingPathError, readSchemaFiles } from "../codegen/files.js";
import type { SchemaFile } from "../codegen/index.js";
import { badInput } from "./failure.js";

/** The schema files at these paths, or bad input naming a path that is missing or holds none. */
export async function loadSchemaFiles(
  paths: readonly string[],
  cwd: string,
): Promise<SchemaFile[]> {
  let files: SchemaFile[];
  try {
    files = await readSchemaFiles(paths, cwd);
  } catch (err) {
    if (err instanceof MissingPathError) throw badInput(err.message);
    throw err;
  }
  if (files.length === 0) {
    throw badInput(`no schema files (*.atom.yaml, *.atom.yml, *.atom.json) in ${paths.join(", ")}`);
  }
  return files;
}
