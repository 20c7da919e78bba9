export { type DecodeOptions, decodeItem } from "./decode.js";
export { toDynamoJson } from "./dynamo-json.js";
export { encodeFields, encodeItem } from "./encode.js";
export { compareUtf8, type Indexable, indexForm } from "./index-form.js";
export { assertItemSize, itemSize } from "./item-size.js";
export { MAX_DEPTH, MAX_ITEM_BYTES } from "./limits.js";
export { FORMAT_VERSION, NOTE_ATTRIBUTE } from "./note.js";
export { type JsonValue, registerClass, registerCustom } from "./registry.js";
