/** A step into a value: a property or Map key, an array index, or a Map entry's key/value. */
export type PathStep = string | number | { readonly entry: number; readonly part: "key" | "value" };

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `["prefs", "theme", "onChange"]` → `prefs.theme.onChange`; `["items", 3]` → `items[3]`. */
export function formatPath(steps: readonly PathStep[]): string {
  let out = "";
  for (const step of steps) {
    if (typeof step === "number") out += `[${step}]`;
    else if (typeof step === "object") out += `[entry ${step.entry} ${step.part}]`;
    else if (IDENTIFIER.test(step)) out += out === "" ? step : `.${step}`;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out || "(the value itself)";
}
