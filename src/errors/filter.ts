/** Errors of `where` conditions: filters of queries and scans, conditions of updates. */
export interface FilterErrorDetails {
  /**
   * A condition that cannot be run: a path that is not one of the value's fields, an operator
   * on a value it does not apply to, a callback that does not return a condition.
   */
  "filter.invalid": { readonly atom: string; readonly path: string; readonly reason: string };
}
