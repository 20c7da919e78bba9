/** Errors of atom writes: swap, reset, compareAndSet, destroy, watches. */
export interface AtomErrorDetails {
  /** Retries ran out under contention; nothing was written by this call. */
  "atom.swap-conflict": {
    readonly atom: string;
    readonly key: string;
    readonly attempts: number;
    readonly elapsedMs: number;
  };
  /** A write's outcome cannot be known: it was applied once or not at all. */
  "atom.outcome-unknown": {
    readonly atom: string;
    readonly key: string;
    readonly writeId: string;
    readonly reason: string;
  };
  /** A mutation through a handle after `destroy()`. */
  "atom.destroyed": { readonly atom: string; readonly key: string };
  /** The change was applied, but a watch function threw. */
  "atom.watch-failed": {
    readonly atom: string;
    readonly key: string;
    readonly watch: string;
    readonly version: number;
  };
}
