export {
  afterConflict,
  afterRefusal,
  batchDeleteVerdict,
  batchPutVerdict,
  type Verdict,
} from "./settle.js";
export {
  ABSENT,
  afterWrite,
  bookkeeping,
  provablyNotApplied,
  type Seen,
  seenFrom,
} from "./state.js";
