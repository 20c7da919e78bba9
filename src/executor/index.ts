export type { Attempted, Sendable } from "./attempt.js";
export { type Failure, requestFailed, worthRetrying } from "./classify.js";
export { type ClientHandle, type ClientOptions, clientHandle } from "./client.js";
export { Executor, type Failed, operationOf } from "./executor.js";
export { type Clock, type Exhausted, retrying, type Step } from "./loop.js";
export { DEFAULT_RETRY, type RetryOptions, type RetryPolicy, retryPolicy } from "./policy.js";
