/** Errors of batch reads and writes. */
export interface BatchErrorDetails {
  /**
   * Some keys of a batch were not read or written, even after retries. `failed` lists exactly
   * those keys (as key fields); every other key of the call succeeded.
   */
  "batch.incomplete": {
    readonly atom: string;
    /** `restoreItems`: the writes of `dynatom import`. */
    readonly operation: "findItems" | "putItems" | "deleteItems" | "restoreItems";
    readonly failed: readonly Readonly<Record<string, unknown>>[];
    /**
     * Keys whose write may or may not have been done: an answer was lost, and the item cannot
     * tell (a delete whose item is there again). Not sent again, since that could undo a write
     * made since. Read them before deciding.
     */
    readonly unknown: readonly Readonly<Record<string, unknown>>[];
    /** How many of the call's distinct keys did succeed. */
    readonly succeeded: number;
    readonly reason: string;
  };
  /** Two values of one `putItems` call have the same key; nothing was written. */
  "batch.duplicate-key": {
    readonly atom: string;
    readonly key: string;
    /** The positions of the two values in the array given. */
    readonly positions: readonly [number, number];
  };
  /** An option of a batch call out of range, e.g. `concurrency: 0`. */
  "batch.invalid-option": {
    readonly atom: string;
    readonly option: string;
    readonly reason: string;
  };
}
