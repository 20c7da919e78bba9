/**
 * Every ```ts block of README.md must compile, with the project's compiler options. Each block is
 * written as its own module to test/readme/.blocks/ (git-ignored, and skipped by tsconfig.json's
 * globs since the folder name starts with a dot), and all of them are checked in one program.
 * Names a block uses without declaring are ambient globals, from a generated declaration file:
 * what a README block exports (Account, Counter: later blocks continue the first), else what
 * test/readme/atoms.ts exports (store, acct, render, …). A block's own top-level declarations
 * shadow them.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import ts from "typescript";

const root = fileURLToPath(new URL("../../", import.meta.url));
const readmeDir = join(root, "test", "readme");
const blocksDir = join(readmeDir, ".blocks");
const contextFile = join(readmeDir, "atoms.ts");

interface Document {
  readonly name: string;
  readonly text: string;
}

interface Block {
  readonly document: string;
  /** The document's line number (1-based) of the block's first line of code. */
  readonly line: number;
  readonly code: string;
}

/** The ```ts blocks of a Markdown text; fences of other languages are skipped whole. */
function tsBlocks(document: Document): Block[] {
  const lines = document.text.split(/\r?\n/);
  const blocks: Block[] = [];
  let fence: { readonly lang: string; readonly line: number; readonly body: string[] } | undefined;
  lines.forEach((text, index) => {
    if (fence === undefined) {
      const open = /^```\s*([\w-]*)/.exec(text);
      if (open) fence = { lang: open[1] ?? "", line: index + 2, body: [] };
    } else if (/^```\s*$/.test(text)) {
      if (fence.lang === "ts" || fence.lang === "typescript") {
        blocks.push({ document: document.name, line: fence.line, code: fence.body.join("\n") });
      }
      fence = undefined;
    } else {
      fence.body.push(text);
    }
  });
  if (fence !== undefined) throw new Error(`${document.name}:${fence.line - 1}: unclosed fence`);
  return blocks;
}

/** The exported names of a module, read from its syntax alone. */
function exportedNames(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest);
  const names = new Set<string>();
  const exported = (node: ts.Node) =>
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause) {
      if (ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) names.add(element.name.text);
      }
    } else if (ts.isVariableStatement(statement) && exported(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) names.add(declaration.name.text);
      }
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      exported(statement) &&
      statement.name
    ) {
      names.add(statement.name.text);
    }
  }
  return [...names];
}

/**
 * The ambient globals, each taken from the first module that exports it. `export import X = m.X`
 * carries a value, a type and a namespace of one name alike, so `Account` is both the atom type
 * and its value type, as in the README.
 */
function globalsFile(modules: readonly { readonly file: string; readonly code: string }[]): string {
  const imports: string[] = [];
  const aliases = new Map<string, string>();
  modules.forEach(({ file, code }, index) => {
    const names = exportedNames(file, code).filter((name) => !aliases.has(name));
    if (names.length === 0) return;
    const path = relative(blocksDir, file).replace(/\.ts$/, ".js");
    const specifier = path.startsWith(".") ? path : `./${path}`;
    imports.push(`import * as m${index} from "${specifier}";`);
    for (const name of names) aliases.set(name, `  export import ${name} = m${index}.${name};`);
  });
  return `${imports.join("\n")}\n\ndeclare global {\n${[...aliases.values()].join("\n")}\n}\n`;
}

function compilerOptions(): ts.CompilerOptions {
  const configFile = join(root, "tsconfig.json");
  const { config, error } = ts.readConfigFile(configFile, (path) => ts.sys.readFile(path));
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configFile);
  if (parsed.errors.length > 0) {
    throw new Error(
      parsed.errors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, "\n")).join("\n"),
    );
  }
  return { ...parsed.options, noEmit: true };
}

interface Checked {
  readonly blocks: readonly Block[];
  /** `document:line:column TScode: message`, one entry per diagnostic. */
  readonly problems: readonly string[];
}

/** Type-checks every ```ts block of the documents in one program. */
function check(documents: readonly Document[]): Checked {
  rmSync(blocksDir, { recursive: true, force: true });
  mkdirSync(blocksDir, { recursive: true });
  const blocks = documents.flatMap(tsBlocks);
  const byFile = new Map<string, Block>();
  for (const block of blocks) {
    const file = join(blocksDir, `${block.document.replace(/\W/g, "-")}-${block.line}.ts`);
    // A module of its own, so that its declarations shadow the globals and not its neighbours'.
    writeFileSync(file, `${block.code}\nexport {};\n`);
    byFile.set(file, block);
  }
  const globals = join(blocksDir, "globals.d.ts");
  const modules = [...byFile].map(([file, block]) => ({ file, code: block.code }));
  modules.push({ file: contextFile, code: readFileSync(contextFile, "utf8") });
  writeFileSync(globals, globalsFile(modules));
  const program = ts.createProgram({
    rootNames: [globals, ...byFile.keys()],
    options: compilerOptions(),
  });
  const checked = [globals, contextFile, ...byFile.keys()].map((file) => {
    const source = program.getSourceFile(file);
    if (source === undefined) throw new Error(`${file} is not in the program`);
    return source;
  });
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...checked.flatMap((source) => [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ]),
  ];
  const problems = diagnostics.map((diagnostic) => {
    const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}`;
    if (diagnostic.file === undefined || diagnostic.start === undefined) return message;
    const at = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const block = byFile.get(diagnostic.file.fileName);
    const where = block
      ? `${block.document}:${block.line + at.line}`
      : `${relative(root, diagnostic.file.fileName)}:${at.line + 1}`;
    return `${where}:${at.character + 1} ${message}`;
  });
  return { blocks, problems };
}

// A known-bad block checked in the same program: it proves that blocks are checked at all, that
// the globals are typed (not `any`), that a block's own names shadow them, and where errors point.
const probe: Document = {
  name: "probe.md",
  text: [
    "# probe",
    "",
    "```ts",
    "const store = 1;",
    "const shadowed: number = store;",
    "const typed: number = hits;",
    "```",
  ].join("\n"),
};

const readme: Document = { name: "README.md", text: readFileSync(join(root, "README.md"), "utf8") };
const result = check([readme, probe]);

test("README.md has ```ts blocks", (t) => {
  t.true(result.blocks.filter((block) => block.document === readme.name).length > 0);
});

test("every ```ts block of README.md compiles", (t) => {
  const problems = result.problems.filter((problem) => !problem.startsWith(`${probe.name}:`));
  t.is(problems.length, 0, `README.md's examples do not compile:\n${problems.join("\n")}`);
});

test("a failing block is reported at its line in the document", (t) => {
  const problems = result.problems.filter((problem) => problem.startsWith(`${probe.name}:`));
  t.is(problems.length, 1, problems.join("\n"));
  t.regex(
    problems[0] ?? "",
    /^probe\.md:6:7 TS2322: Type 'Atom<.*>' is not assignable to type 'number'\./,
  );
});
