/** One problem in a schema file, at a 1-based line and column. */
export interface CodegenError {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/**
 * Formats an error as `file:line:col: message`, the form editors and terminals link.
 *
 * @example
 * formatError({ file: "a.atom.yaml", line: 3, col: 5, message: "unknown type" });
 * // "a.atom.yaml:3:5: unknown type"
 */
export function formatError(error: CodegenError): string {
  return `${error.file}:${error.line}:${error.col}: ${error.message}`;
}
