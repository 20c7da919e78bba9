/** Set by `npm test` (test/run.ts): the endpoint of the DynamoDB Local shared by the whole run. */
export const TEST_ENDPOINT_ENV = "DYNATOM_TEST_ENDPOINT";

/**
 * The request timeout of a store whose injected fault does real work (other writers' requests)
 * before it loses an answer: on a loaded machine that work can take seconds, and the attempt's
 * own timeout must not be what the test ends up testing.
 */
export const SLOW_FAULT_MS = 120_000;
