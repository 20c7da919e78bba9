/** Errors of updates without a read (`store.update`, `atom.update()`). */
export interface UpdateErrorDetails {
  /** The item is absent and the update was not an `.upsert()`; nothing was written. */
  "update.not-found": { readonly atom: string; readonly key: string };
  /** The update's `where` condition was false on the stored value; nothing was written. */
  "update.condition-failed": { readonly atom: string; readonly key: string };
  /** An operation that does not fit its field: an unknown or key field, a wrong kind of value. */
  "update.invalid": {
    readonly atom: string;
    readonly key: string;
    readonly field: string;
    readonly reason: string;
  };
}
