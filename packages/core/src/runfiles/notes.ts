// notes.ndjson: what people wrote about a run after it ended (`peakdrill note <run> "..."`),
// one JSON line per note, appended, never rewritten. The campaign page and the run page show
// them beside the figures.

import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';

export const NOTES_FILE = 'notes.ndjson';
/** A note is a sentence or a paragraph, not a log file. */
export const MAX_NOTE_CHARS = 2000;

export interface RunNote {
  /** When it was written, ISO 8601. */
  at: string;
  text: string;
  /** Who wrote it, when known ($PEAKDRILL_AUTHOR or the login name). */
  author?: string;
}

/** Appends one note to a run folder; `UserError` NOTE_INVALID for an empty or overlong text. */
export function appendRunNote(dir: string, text: string, author?: string, at: Date = new Date()): RunNote {
  const t = text.trim();
  if (t === '') throw new UserError('NOTE_INVALID', 'the note is empty: write what you want to remember, e.g. peakdrill note RUN "inventory pool raised to 80"');
  if (t.length > MAX_NOTE_CHARS) throw new UserError('NOTE_INVALID', `the note has ${t.length} characters; keep it under ${MAX_NOTE_CHARS} (link to a longer write-up instead)`);
  const note: RunNote = { at: at.toISOString(), text: t, ...(author ? { author } : {}) };
  appendFileSync(join(dir, NOTES_FILE), JSON.stringify(note) + '\n');
  return note;
}

/** The notes of a run folder, oldest first; none when the file is missing; unreadable lines skipped. */
export function readRunNotes(dir: string): RunNote[] {
  let text: string;
  try {
    text = readFileSync(join(dir, NOTES_FILE), 'utf8');
  } catch {
    return [];
  }
  const out: RunNote[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const n = JSON.parse(line) as RunNote;
      if (typeof n.text === 'string' && typeof n.at === 'string') out.push(n);
    } catch {
      // a torn line: skip it
    }
  }
  return out;
}
