// Masking of personal data before an importer writes anything: tokens, emails, phone numbers
// and card-like numbers (13–19 digits passing the Luhn check) found in recorded paths,
// queries, headers and bodies are replaced by a placeholder that says what was there. The
// masker counts what it replaced (per kind and per place) so the import can report it; it
// never keeps the values themselves.

import { isSensitiveName } from '../runfiles/redact.js';

export type MaskKind = 'token' | 'email' | 'phone' | 'card';

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{4,}\b/g;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const DIGIT_RUN = /(?<![\w-])\+?\d(?:[ -]?\d){9,18}(?![\w-])/g;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The placeholder that replaces a masked value: `<masked:email>`. */
export const masked = (kind: MaskKind): string => `<masked:${kind}>`;

export interface MaskReport {
  total: number;
  /** kind → count */
  byKind: Record<MaskKind, number>;
  /** where (`path of GET /users/:user_id`, `query token`, `header authorization`) → count */
  byPlace: Record<string, number>;
}

export class Masker {
  readonly report: MaskReport = { total: 0, byKind: { token: 0, email: 0, phone: 0, card: 0 }, byPlace: {} };

  private count(kind: MaskKind, place: string): string {
    this.report.total++;
    this.report.byKind[kind]++;
    const key = `${kind} in ${place}`;
    this.report.byPlace[key] = (this.report.byPlace[key] ?? 0) + 1;
    return masked(kind);
  }

  /** Masks personal data inside free text (a path segment, a query value, a body). */
  text(value: string, place: string): string {
    if (value.length < 6) return value;
    let out = value.replace(JWT, () => this.count('token', place));
    out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${this.count('token', place)}`);
    out = out.replace(EMAIL, () => this.count('email', place));
    out = out.replace(DIGIT_RUN, (run) => {
      const digits = run.replace(/\D/g, '');
      if (digits.length >= 13 && luhn(digits) && !run.startsWith('+')) return this.count('card', place);
      // A bare 10–12 digit number without separators is more often an id or a timestamp than a phone.
      if (run.startsWith('+') || /[ -]/.test(run)) return this.count('phone', place);
      return run;
    });
    return out;
  }

  /** Masks a named value (query parameter, header, JSON field): a sensitive name masks the whole value. */
  named(name: string, value: string, place: string): string {
    if (value !== '' && isSensitiveName(name)) return this.count('token', `${place} \`${name}\``);
    return this.text(value, `${place} \`${name}\``);
  }
}

/** `3 emails, 1 token (query `token` of GET /x) …`: the import report's masking lines (pure). */
export function formatMaskReport(r: MaskReport): string[] {
  if (r.total === 0) return ['masked: nothing (no tokens, emails, phone numbers or card-like numbers found)'];
  const kinds = (Object.entries(r.byKind) as [MaskKind, number][]).filter(([, n]) => n > 0).map(([k, n]) => `${n.toLocaleString('en-US')} ${k}${n === 1 ? '' : 's'}`);
  const places = Object.entries(r.byPlace)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([p, n]) => `  ${n.toLocaleString('en-US')} × ${p}`);
  return [`masked before writing: ${kinds.join(', ')}`, ...places];
}
