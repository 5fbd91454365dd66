// Safety: traffic goes only to loopback (127.0.0.0/8, ::1, localhost) and to the hosts a
// scenario's `allow:` names. Checked for every URL a drill touches — targets, abort health
// and metric URLs, isolation/invariant HTTP checks — before a single request leaves.
//
// `allow:` entries are host names or IP addresses (no port, no scheme), compared
// case-insensitively; `*.shop.internal` allows every subdomain of shop.internal (not the
// bare domain itself). Names are compared as written: a name that merely resolves to
// loopback through DNS is not loopback here.

import { UserError, type ProblemDetail } from '../errors.js';
import type { Plan } from '../plan.js';

/** Why `s` is not an http(s) URL with a host, or undefined. */
export function urlProblem(s: string): string | undefined {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return `${JSON.stringify(s)} is not a URL; write e.g. \`http://127.0.0.1:8080\``;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${JSON.stringify(s)} is not an http:// or https:// URL`;
  if (u.hostname === '') return `${JSON.stringify(s)} has no host`;
  return undefined;
}

/** The host of a URL as compared by the allowlist: lower case, IPv6 without brackets. */
export function hostOf(url: string): string {
  const h = new URL(url).hostname.toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  if (v4) return Number(v4[1]) === 127 && v4.slice(1).every((x) => Number(x) <= 255);
  // WHATWG URL writes IPv4-mapped IPv6 in hex: ::ffff:7f00:1
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (mapped) return parseInt(mapped[1]!, 16) >> 8 === 127;
  return false;
}

/** Why an `allow:` entry is malformed, or undefined. */
export function allowEntryProblem(entry: string): string | undefined {
  const e = entry.trim();
  if (e === '') return 'an empty host';
  if (/[/\s]/.test(e) || e.includes('://')) return `\`${entry}\` is not a host name; write just the host, e.g. \`shop.internal\``;
  if (e.includes(':') && !/^\[?[0-9a-f:.]+\]?$/i.test(e)) return `\`${entry}\`: write the host without a port`;
  if (e.includes('*') && !/^\*\.[^*]+$/.test(e)) return `\`${entry}\`: a wildcard is only allowed as a leading \`*.\``;
  return undefined;
}

/** True when traffic to `host` is allowed by loopback or an `allow:` entry. */
export function hostAllowed(host: string, allow: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (isLoopback(h)) return true;
  for (const raw of allow) {
    const a = raw.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
    if (a.startsWith('*.')) {
      if (h.endsWith(a.slice(1)) && h.length > a.length - 1) return true;
    } else if (a === h) return true;
    else if (/^[0-9.]+$/.test(a) || a.includes(':')) {
      // Compare IP literals in the form URL parsing gives them (e.g. IPv6 compression).
      try {
        if (hostOf(`http://${a.includes(':') ? `[${a}]` : a}/`) === h) return true;
      } catch {
        /* not an address */
      }
    }
  }
  return false;
}

/** The message for a URL whose host is not allowed. */
export function notAllowedMessage(what: string, url: string, host: string): string {
  return `${what} ${url} is not on loopback and \`${host}\` is not in \`allow:\`; peakdrill sends traffic only to loopback and to hosts the scenario allows — add \`allow: [${host}]\` if this system may be drilled`;
}

/** Every URL of a plan with what it is, for the allowlist. */
export function planUrls(plan: Plan): { what: string; url: string }[] {
  const out: { what: string; url: string }[] = [];
  for (const [name, url] of Object.entries(plan.targets)) out.push({ what: `target \`${name}\``, url });
  for (const r of plan.abort) if (r.kind === 'health' || r.kind === 'metric') out.push({ what: `abort rule \`${r.text}\``, url: r.url });
  for (const c of [...plan.isolation, ...plan.invariants]) if (c.kind === 'http') out.push({ what: `check \`${c.name}\``, url: c.url });
  return out;
}

/**
 * Throws UserError `TARGET_NOT_ALLOWED` (exit 2) when any URL of the plan goes to a host that
 * is neither loopback nor in `plan.allow`. Call it after every override, right before running.
 */
export function checkAllowlist(plan: Plan): void {
  const problems: ProblemDetail[] = [];
  for (const { what, url } of planUrls(plan)) {
    let host: string;
    try {
      host = hostOf(url);
    } catch {
      problems.push({ code: 'BAD_URL', message: `${what}: ${urlProblem(url) ?? 'not a URL'}` });
      continue;
    }
    if (!hostAllowed(host, plan.allow)) problems.push({ code: 'TARGET_NOT_ALLOWED', message: notAllowedMessage(what, url, host) });
  }
  if (problems.length > 0) {
    throw new UserError('TARGET_NOT_ALLOWED', problems.length === 1 ? problems[0]!.message : `${problems.length} URLs go to hosts that are not allowed`, { problems });
  }
}
