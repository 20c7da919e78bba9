/**
 * `dynatom/local`: the embedded DynamoDB Local, for development, tests and tools.
 * @module
 */
export { localClientConfig } from "./client-config.js";
export { MIN_JAVA_MAJOR } from "./java.js";
export { type LocalDynamo, type StartLocalOptions, startLocal } from "./start-local.js";
