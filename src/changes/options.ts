import { DynatomError } from "../errors/index.js";
import type { AtomDefinition } from "../schema/types.js";
import type { ChangesOptions, Gap, StreamRecord } from "./types.js";

/** The feed's options, checked, with their defaults. */
export interface Settings {
  readonly from: "trim-horizon" | "latest";
  readonly group: string | undefined;
  readonly signal: AbortSignal | undefined;
  readonly checkpointEveryMs: number;
  readonly leaseMs: number;
  /** How often leases are renewed and checkpoints considered. */
  readonly tickMs: number;
  /** How often shards and leases are listed again. */
  readonly roundMs: number;
  readonly onDecodeError: ((error: Error, record: StreamRecord) => unknown) | undefined;
  readonly onGap: (gap: Gap) => void;
}

function invalid(option: string, value: unknown, what: string): DynatomError {
  return new DynatomError(
    "store.invalid-option",
    `The change feed's option ${option} cannot be ${typeof value === "string" ? JSON.stringify(value) : String(value)}: ${what}.`,
    { details: { option, value: String(value) } },
  );
}

/** Reports a gap where nobody asked to hear of it: as a process warning, never silently. */
function warnGap(gap: Gap): void {
  process.emitWarning(
    `dynatom change feed: the stream's shard ${gap.shard} was ${gap.reason === "trimmed" ? "trimmed" : "gone"} ` +
      `after ${gap.after ?? "its start"} before it was read; changes there were lost to the feed (pass onGap to handle this).`,
    { code: "DYNATOM_STREAM_GAP" },
  );
}

export function settings(options: ChangesOptions<readonly AtomDefinition[]>): Settings {
  const { atoms, from = "latest", group, signal, onDecodeError, onGap } = options;
  if (!Array.isArray(atoms) || atoms.length === 0) {
    throw invalid("atoms", atoms, "give the atom types to follow, e.g. atoms: [Account]");
  }
  if (from !== "latest" && from !== "trim-horizon") {
    throw invalid("from", from, 'use "latest" or "trim-horizon"');
  }
  if (group !== undefined && (typeof group !== "string" || group === "" || group.length > 512)) {
    throw invalid("group", group, "give a name of 1 to 512 characters, or leave it out");
  }
  const checkpointEveryMs = options.checkpointEveryMs ?? 1_000;
  if (!Number.isFinite(checkpointEveryMs) || checkpointEveryMs < 0) {
    throw invalid("checkpointEveryMs", checkpointEveryMs, "give a finite number of ms ≥ 0");
  }
  const leaseMs = options.leaseMs ?? 10_000;
  if (!Number.isFinite(leaseMs) || leaseMs < 300) {
    throw invalid("leaseMs", leaseMs, "give a finite number of ms ≥ 300");
  }
  if (onDecodeError !== undefined && typeof onDecodeError !== "function") {
    throw invalid("onDecodeError", onDecodeError, "give a function, or leave it out");
  }
  if (onGap !== undefined && typeof onGap !== "function") {
    throw invalid("onGap", onGap, "give a function, or leave it out");
  }
  return {
    from,
    group,
    signal,
    checkpointEveryMs,
    leaseMs,
    // Renewals every third of a lease: two may be lost before another reader takes over.
    tickMs: Math.max(50, Math.min(checkpointEveryMs || 50, leaseMs / 3)),
    roundMs: Math.max(250, Math.min(leaseMs / 2, 10_000)),
    onDecodeError,
    onGap: onGap ?? warnGap,
  };
}
