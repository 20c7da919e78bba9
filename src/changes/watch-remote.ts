import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { AtomDefinition } from "../schema/types.js";
import type { StoreCore } from "../store/core.js";
import { Feed } from "./feed.js";
import type { Change } from "./types.js";

/** Called with each change any process makes to one atom: its values as `deref` shows them. */
export type RemoteWatchFn<T> = (old: T, next: T, change: Change) => void | Promise<void>;

/** Options of `atom.watchRemote`. */
export interface RemoteWatchOptions {
  /** Where to start: only changes from now on (default), or the oldest the stream keeps. */
  readonly from?: "latest" | "trim-horizon";
  /**
   * Called when `fn` throws (the watch goes on) or the feed fails (the watch ends). Default: a
   * process warning.
   */
  readonly onError?: (error: unknown) => void;
}

/** What `watchRemote` returns: call it to end the watch; `ready` resolves once it is reading. */
export interface RemoteWatch {
  (): Promise<void>;
  /** Resolves once the watch reads the stream: a change made after this reaches `fn`. */
  readonly ready: Promise<void>;
}

function warn(error: unknown): void {
  process.emitWarning(
    `dynatom remote watch: ${error instanceof Error ? error.message : String(error)}`,
    { code: "DYNATOM_REMOTE_WATCH" },
  );
}

/** Follows one atom's changes on the table's stream, calling `fn` for each, in order. */
export function watchRemote<T>(
  core: StoreCore,
  definition: AtomDefinition,
  key: Record<string, AttributeValue>,
  init: T | undefined,
  fn: RemoteWatchFn<T>,
  options: RemoteWatchOptions = {},
): RemoteWatch {
  const report = options.onError ?? warn;
  // An onError that throws is reported as a warning, never as an unhandled rejection.
  const onError = (err: unknown) => {
    try {
      report(err);
    } catch (thrown) {
      warn(thrown);
    }
  };
  const abort = new AbortController();
  const feed = new Feed<Change>(
    core,
    { atoms: [definition], from: options.from ?? "latest", signal: abort.signal },
    { pk: key.pk?.S ?? "", sk: key.sk?.S ?? "" },
  );
  const view = (value: unknown) => (value === undefined ? init : value) as T;
  const done = (async () => {
    try {
      for await (const change of feed) {
        try {
          await fn(view(change.old), view(change.new), change);
        } catch (err) {
          onError(err);
        }
      }
    } catch (err) {
      onError(err);
    }
  })();
  const stop = async () => {
    abort.abort();
    await done;
  };
  return Object.assign(stop, { ready: feed.ready() });
}
