// The size limits of a scenario (docs/scenario.md "Limits"). A scenario is hand-written: each
// bound is far above what a real drill needs and far below what would hurt the machine that
// loads it (aliases can multiply text without growing the file, so the expansion is bounded too).

/** The scenario file itself; checked with `stat` before a byte is read. */
export const MAX_SCENARIO_BYTES = 4 * 1024 * 1024;
/** Every text value the scenario yields once its aliases are expanded, added up. */
export const MAX_EXPANDED_BYTES = 8 * 1024 * 1024;
/** One request body as written (`body:` text or the JSON of `json:`), before templating. */
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * The headers of one request as written (`http.headers` plus the step's own), counted as on the
 * wire (`name: value\r\n`). Node's and most servers' default header limit is 16 KiB, so a larger
 * set would be refused by the target anyway.
 */
export const MAX_HEADER_BYTES = 16 * 1024;

/**
 * A CSV feeder in `mode: random` (read whole into memory by every generator, as row objects that
 * take several times the file's size); sequential and unique feeders stream any size.
 */
export const MAX_RANDOM_CSV_BYTES = 64 * 1024 * 1024;

/** Bytes of a header set on the wire. */
export function headerBytes(headers: Readonly<Record<string, string>>): number {
  let n = 0;
  for (const [k, v] of Object.entries(headers)) n += Buffer.byteLength(k) + Buffer.byteLength(v) + 4;
  return n;
}

export function kib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`;
}
