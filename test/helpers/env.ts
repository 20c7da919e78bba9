/** Set by `npm test` (test/run.ts): the endpoint of the DynamoDB Local shared by the whole run. */
export const TEST_ENDPOINT_ENV = "DYNATOM_TEST_ENDPOINT";
