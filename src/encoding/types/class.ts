import { allowedProps, classByIdentifier, classIdentifier } from "../registry.js";
import { misfit, type TypeCodec } from "./codec.js";
import { fieldsOrPairs, ownKeys } from "./record.js";

/** An instance of a registered class, with its constructor and identifier. */
interface Instance {
  readonly value: object;
  readonly ctor: unknown;
  readonly identifier: string;
}

/**
 * An instance of a class registered with `registerClass` is stored like an object (its own
 * fields, or the class's allowed ones), tagged `class:<identifier>`; it comes back with the
 * class's prototype.
 */
export const classCodec: TypeCodec<Instance> = {
  tag: "class",
  match(value) {
    const ctor = (Object.getPrototypeOf(value) as { constructor?: unknown }).constructor;
    const identifier = classIdentifier(ctor);
    return identifier === undefined ? undefined : { value, ctor, identifier };
  },
  encode({ value, ctor, identifier }, depth, walker) {
    const keys = allowedProps(ctor) ?? ownKeys(value, walker.trail);
    const tag = `${classCodec.tag}:${identifier}`;
    return fieldsOrPairs(value, value as Record<string, unknown>, keys, depth, walker, tag);
  },
  decode(raw, type, node, tag, depth, walker) {
    if (type !== "M" && type !== "L") return misfit(tag, type, walker);
    const identifier = tag?.arg ?? "";
    const clazz = classByIdentifier(identifier);
    if (clazz === undefined) {
      return walker.trail.unregistered(
        `an instance of the class "${tag?.arg}"`,
        identifier,
        `call registerClass(${tag?.arg})`,
      );
    }
    const target = Object.create(clazz.prototype) as object;
    return type === "M"
      ? walker.fields(raw, node, depth, target)
      : walker.pairFields(raw, node, depth, target);
  },
};
