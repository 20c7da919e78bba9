/** Errors of the key-value facade (`store.kv(namespace)`); each names the namespace and key. */
export interface KvErrorDetails {
  /** `put(..., { ifAbsent: true })` found a live value under the key; nothing was written. */
  "kv.key-exists": { readonly namespace: string; readonly key: string; readonly version: number };
  /** `put` or `delete` with `ifVersion` found another version; nothing was written. */
  "kv.version-mismatch": {
    readonly namespace: string;
    readonly key: string;
    readonly expected: number;
    readonly actual: number;
  };
  /** `put` or `delete` with `ifVersion` found no live value under the key; nothing was written. */
  "kv.not-found": { readonly namespace: string; readonly key: string; readonly expected: number };
  /** `multiSet` / `multiDelete` with more keys than one transaction holds; nothing was sent. */
  "kv.too-many-keys": {
    readonly namespace: string;
    readonly key: string;
    readonly count: number;
    readonly limit: number;
  };
  /** A namespace, key, log or blob name that is not a non-empty, well-formed string within the size DynamoDB keys allow. */
  "kv.invalid-key": { readonly namespace: string; readonly key: string; readonly reason: string };
  /** An option out of its range (`ttlSeconds`, `limit`, `cursor`, `from`, `concurrency`, …). */
  "kv.invalid-option": {
    readonly namespace: string;
    readonly key: string;
    readonly option: string;
    readonly reason: string;
  };
  /** A blob whose chunks do not add up to what its manifest says (size or sha-256). */
  "kv.corrupt-blob": { readonly namespace: string; readonly key: string; readonly reason: string };
  /**
   * A blob replaced (or deleted) while a stream of it was being read, after part of it was
   * handed out: its old chunks are gone. Open it again to read the new one.
   */
  "kv.blob-replaced": { readonly namespace: string; readonly key: string };
}
