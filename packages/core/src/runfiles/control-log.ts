// control.ndjson as the charts read it: when each live change took effect, and what it was
// (the controller writes the full record: controller/src/control/drill-control.ts ControlRecord).
// `tailControlChanges` follows the file while the drill runs (the dashboard's live view).

import { readNdjsonFile, tailNdjsonFile, type NdjsonTail } from './ndjson.js';

export interface ControlChange {
  /** Seconds since the drill's second 0 the change took effect at. */
  atS: number;
  who: string;
  via: string;
  /** `rate`, `hold`, `resume`, `step` or `stop`. */
  command: string;
  /** The level right after it (absent for stop). */
  level?: number;
  unit: string;
}

function controlChange(v: unknown): ControlChange | null {
  const o = v as { atS?: unknown; who?: unknown; via?: unknown; command?: { command?: unknown }; level?: unknown; unit?: unknown } | null;
  if (o === null || typeof o !== 'object' || typeof o.atS !== 'number' || typeof o.command?.command !== 'string') return null;
  return {
    atS: o.atS,
    who: typeof o.who === 'string' ? o.who : '',
    via: typeof o.via === 'string' ? o.via : '',
    command: o.command.command,
    ...(typeof o.level === 'number' ? { level: o.level } : {}),
    unit: typeof o.unit === 'string' ? o.unit : '',
  };
}

export function readControlChanges(path: string): ControlChange[] {
  return readNdjsonFile(path, controlChange);
}

/** The changes appended to control.ndjson since byte `fromOffset`, for following a live run. */
export function tailControlChanges(path: string, fromOffset = 0): NdjsonTail<ControlChange> {
  return tailNdjsonFile(path, fromOffset, controlChange);
}
