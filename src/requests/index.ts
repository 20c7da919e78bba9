export { deleteAtom, getAtom, putAtom } from "./atom.js";
export { batchGet, batchWrite, batchWriteIds, READ_CHUNK, WRITE_CHUNK } from "./batch.js";
export { type Basis, type Condition, conditionOn } from "./conditions.js";
export { type Projection, projectionInput, projectionOf } from "./projection.js";
export { type IndexRead, queryIndex } from "./query.js";
export { type AtomScan, scanAtom } from "./scan.js";
export { attributeDefinitions, createTable, gsiDefinition, neededIndexes } from "./table.js";
export { transactWrite } from "./transaction.js";
