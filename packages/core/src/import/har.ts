// `peakdrill import har FILE.har`: a browser recording (HAR 1.2, as Chromium, Firefox and
// Playwright's `recordHar` write it) → journeys of API calls. Static assets and third-party
// hosts are dropped; each page of the recording becomes a journey, each kept request a step
// named from method + route template; the gaps between requests become think times; values a
// response gave that a later request sends back (an order id, a token) become a `capture` and
// a `{{template}}` (correlation); credentials go to a data feeder, never into the scenario.

import { readFileSync } from 'node:fs';
import type { Entry, Har, Header } from 'har-format';
import { UserError } from '../errors.js';
import { isSensitiveName } from '../runfiles/redact.js';
import type { Draft, DraftJourney, DraftStep } from './draft.js';
import { checkTextFile } from './lines.js';
import { Masker, formatMaskReport } from './mask.js';
import { isIdSegment, linkName, routeOf } from './route.js';

/** HAR files of a long session reach hundreds of MB (bodies inline); beyond this, record less. */
export const MAX_HAR_BYTES = 512 * 1024 * 1024;
const MAX_THINK_MS = 30_000;

const STATIC_EXT = /\.(?:js|mjs|css|map|png|jpe?g|gif|svg|webp|avif|ico|woff2?|ttf|otf|eot|mp4|webm|mp3|html?|txt|wasm)$/i;
const STATIC_TYPES = new Set(['document', 'stylesheet', 'script', 'image', 'font', 'media', 'manifest', 'texttrack', 'other', 'ping', 'cspviolationreport', 'preflight']);
/** Headers the engine sets itself, the browser adds, or that only describe the connection. */
const DROP_HEADER = /^(?::.*|host|connection|content-length|accept-encoding|accept-language|accept|user-agent|origin|referer|cache-control|pragma|priority|dnt|upgrade-insecure-requests|keep-alive|te|sec-.*|x-peakdrill-.*|baggage|traceparent|tracestate|if-none-match|if-modified-since)$/i;
const FRESH_PER_REQUEST = /^(idempotency-key|x-idempotency-key|x-request-id|x-correlation-id)$/i;

export interface HarOptions {
  /** Extra hosts to keep besides the recording's own (`--host`). */
  hosts?: string[];
  name: string;
  command: string;
  /** File name of the credentials CSV the scenario points at (written beside it). */
  credentialsFile: string;
}

export interface HarImport {
  draft: Draft;
  /** Column names of the credentials CSV, when any header or field was a credential. */
  credentials: string[];
  kept: number;
  dropped: { static: number; thirdParty: number };
  correlations: { variable: string; from: string; to: string[] }[];
  report: string[];
}

function readHar(file: string): Har {
  const size = checkTextFile(file, 'a HAR file');
  if (size > MAX_HAR_BYTES) throw new UserError('IMPORT_TOO_LARGE', `${file}: ${Math.round(size / 1048576)} MiB; a HAR may be at most ${MAX_HAR_BYTES / 1048576} MiB (record a shorter session)`);
  const text = readFileSync(file, 'utf8');
  let har: unknown;
  try {
    har = JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec((err as Error).message)?.[1];
    const pos = at !== undefined ? lineCol(text, Number(at)) : undefined;
    const trimmed = text.trim();
    const truncated = trimmed.startsWith('{') && !trimmed.endsWith('}');
    throw new UserError('IMPORT_BAD_HAR', `${file}${pos ? `:${pos}` : ''}: ${truncated ? 'the HAR file is truncated (it ends before its JSON does); record it again or finish the download' : 'not valid JSON, so not a HAR file'}`);
  }
  const entries = (har as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (!Array.isArray(entries)) throw new UserError('IMPORT_BAD_HAR', `${file}: not a HAR file (no \`log.entries\` list)`);
  entries.forEach((e: unknown, i) => {
    const x = e as Partial<Entry> | null;
    const ok =
      typeof x?.request?.url === 'string' && URL.canParse(x.request.url) && typeof x.request.method === 'string' && Array.isArray(x.request.headers) &&
      typeof x.response?.status === 'number' && Array.isArray(x.response.headers) && typeof x.startedDateTime === 'string' && x.response.content !== undefined;
    if (!ok) throw new UserError('IMPORT_BAD_HAR', `${file}: log.entries[${i}] is not a HAR entry (it needs request.url, request.method, request.headers, response.status, response.headers, response.content and startedDateTime)`);
  });
  return har as Har;
}

function lineCol(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `${line}:${offset - before.lastIndexOf('\n')}`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

function isStatic(e: Entry): boolean {
  const type = (e as { _resourceType?: string })._resourceType;
  if (type !== undefined) return STATIC_TYPES.has(type.toLowerCase());
  const mime = e.response.content.mimeType ?? '';
  if (/^(image|font|audio|video)\/|css|javascript|text\/html/i.test(mime)) return true;
  try {
    return STATIC_EXT.test(new URL(e.request.url).pathname);
  } catch {
    return true;
  }
}

/** A value a response gave: where it was, and what a request would have to carry to match it. */
interface Produced {
  value: string;
  /** Index of the entry whose response gave it. */
  index: number;
  step: DraftStep;
  capture: string;
  /** Suggested variable name. */
  hint: string;
}

function jsonValues(v: unknown, path: string, out: { path: string; key: string; value: string }[], depth = 0): void {
  if (depth > 6 || out.length > 500) return;
  if (Array.isArray(v)) v.slice(0, 20).forEach((x, i) => jsonValues(x, `${path}[${i}]`, out, depth + 1));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) jsonValues(x, `${path}.${k}`, out, depth + 1);
  } else if ((typeof v === 'string' && v.length >= 4 && v.length <= 2048) || (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) >= 100)) {
    out.push({ path, key: path.replace(/\[\d+\]/g, '').split('.').pop() ?? 'value', value: String(v) });
  }
}

const VAR_OK = /^[A-Za-z_][A-Za-z0-9_-]*$/;

function variableName(step: DraftStep, key: string, taken: Set<string>): string {
  const seg = routeOf(step.url.split('?')[0]!).template.split('/').filter((s) => s && !s.startsWith(':')).pop() ?? '';
  const base = key.toLowerCase() === 'id' && seg ? `${seg.replace(/s$/, '').replace(/[^A-Za-z0-9_]/g, '_')}Id` : key;
  let name = VAR_OK.test(base) ? base : `v_${base.replace(/[^A-Za-z0-9_]/g, '_')}`;
  for (let i = 2; taken.has(name); i++) name = `${base}${i}`;
  taken.add(name);
  return name;
}

export function importHar(file: string, opts: HarOptions): HarImport {
  const har = readHar(file);
  const masker = new Masker();
  const all = [...har.log.entries].sort((a, b) => Date.parse(a.startedDateTime) - Date.parse(b.startedDateTime));
  // The recording's own host: the page's (its first document), else the most frequent API host.
  const doc = all.find((e) => (e as { _resourceType?: string })._resourceType === 'document' || /text\/html/.test(e.response.content.mimeType ?? ''));
  const counts = new Map<string, number>();
  for (const e of all) if (!isStatic(e)) counts.set(hostOf(e.request.url), (counts.get(hostOf(e.request.url)) ?? 0) + 1);
  const own = doc ? hostOf(doc.request.url) : [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  const keepHosts = new Set([own, ...(opts.hosts ?? [])].filter((h): h is string => !!h));
  const dropped = { static: 0, thirdParty: 0 };
  const kept = all.filter((e) => {
    if (!keepHosts.has(hostOf(e.request.url)) && !(opts.hosts ?? []).includes(new URL(e.request.url).hostname)) {
      dropped.thirdParty++;
      return false;
    }
    if (isStatic(e) || e.response.status === 0) {
      dropped.static++;
      return false;
    }
    return true;
  });
  if (kept.length === 0) {
    throw new UserError('IMPORT_NOTHING_USABLE', `${file}: no API request left after dropping ${dropped.static} static asset(s) and ${dropped.thirdParty} third-party request(s); name the API host with --host`);
  }

  const targets: Record<string, string> = {};
  const targetOf = new Map<string, string>();
  for (const e of kept) {
    const u = new URL(e.request.url);
    if (targetOf.has(u.host)) continue;
    const name = targetOf.size === 0 ? 'app' : u.hostname.replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 60);
    targetOf.set(u.host, name);
    targets[name] = u.origin;
  }

  const produced: Produced[] = [];
  const taken = new Set<string>();
  const credentials = new Set<string>();
  const correlations: HarImport['correlations'] = [];
  const stepNames = new Map<string, number>();
  const journeys = new Map<string, DraftJourney>();
  const pageTitle = new Map((har.log.pages ?? []).map((p) => [p.id, p.title]));
  let prevEnd: number | undefined;
  let prevStep: DraftStep | undefined;
  let prevPage: string | undefined;

  /** Entry index at which the client first sent a value: a value it sent before any response gave it is its own, not the server's. */
  const firstSent = new Map<string, number>();
  let index = 0;
  /**
   * Replaces a whole value that a response produced by its `{{variable}}`, capturing it on
   * the first response that gave it (later responses often echo it back).
   */
  const correlate = (value: string, stepName: string): string | undefined => {
    const sentAt = firstSent.get(value) ?? index;
    if (!firstSent.has(value)) firstSent.set(value, index);
    for (const p of produced) {
      if (p.value !== value || p.index >= sentAt) continue;
      p.step.capture ??= {};
      let variable = Object.entries(p.step.capture).find(([, c]) => c === p.capture)?.[0];
      if (variable === undefined) {
        variable = variableName(p.step, p.hint, taken);
        p.step.capture[variable] = p.capture;
        correlations.push({ variable, from: `${p.step.name} ${p.capture}`, to: [] });
      }
      correlations.find((c) => c.variable === variable)!.to.push(stepName);
      return `{{${variable}}}`;
    }
    return undefined;
  };

  for (const e of kept) {
    index++;
    const u = new URL(e.request.url);
    const method = e.request.method.toUpperCase();
    const route = routeOf(u.pathname);
    let name = linkName(method, route.template);
    const seen = stepNames.get(name) ?? 0;
    stepNames.set(name, seen + 1);
    if (seen > 0) name = `${name} #${seen + 1}`;

    const segments = u.pathname.split('/').map((s) => {
      let d = s;
      try {
        d = decodeURIComponent(s);
      } catch {
        // keep it raw
      }
      return (isIdSegment(d) ? correlate(d, name) : undefined) ?? masker.text(s, `path of ${name}`);
    });
    const query = [...u.searchParams].map(([k, v]) => `${encodeURIComponent(k)}=${correlate(v, name) ?? (isSensitiveName(k) ? (credentials.add(k), `{{credentials.${k}}}`) : encodeURIComponent(masker.named(k, v, `query of ${name}`)))}`);
    const step: DraftStep = { name, method, url: segments.join('/') + (query.length ? `?${query.join('&')}` : ''), status: [e.response.status] };
    if (targetOf.size > 1) step.target = targetOf.get(u.host)!;

    const headers: Record<string, string> = {};
    for (const h of e.request.headers as Header[]) {
      const hn = h.name.toLowerCase();
      if (DROP_HEADER.test(hn) || (hn === 'content-type' && e.request.postData === undefined)) continue;
      if (hn === 'cookie') continue; // sessions are re-made by the drill, never replayed
      if (FRESH_PER_REQUEST.test(hn)) headers[hn] = '{{random.uuid}}';
      else {
        const bearer = /^(Bearer|Basic|Token)\s+(.+)$/i.exec(h.value);
        const c = correlate(bearer ? bearer[2]! : h.value, name);
        if (c !== undefined) headers[hn] = bearer ? `${bearer[1]} ${c}` : c;
        else if (isSensitiveName(hn)) {
          const col = hn.replace(/[^A-Za-z0-9_]/g, '_');
          credentials.add(col);
          headers[hn] = `{{credentials.${col}}}`;
        } else headers[hn] = masker.text(h.value, `header ${hn} of ${name}`);
      }
    }
    if (Object.keys(headers).length) step.headers = headers;

    const post = e.request.postData;
    if (post?.text !== undefined && post.text !== '') {
      let json: unknown;
      if (/json/i.test(post.mimeType ?? '')) {
        try {
          json = JSON.parse(post.text);
        } catch {
          json = undefined;
        }
      }
      const rewrite = (v: unknown, key: string): unknown => {
        if (Array.isArray(v)) return v.map((x) => rewrite(x, key));
        if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x, k)]));
        if (typeof v !== 'string' && typeof v !== 'number') return v;
        const c = correlate(String(v), name);
        if (c !== undefined) return c;
        if (typeof v === 'string' && isSensitiveName(key)) {
          credentials.add(key);
          return `{{credentials.${key}}}`;
        }
        return typeof v === 'string' ? masker.text(v, `body of ${name}`) : v;
      };
      if (json !== undefined) step.json = rewrite(json, '');
      else step.body = masker.text(post.text, `body of ${name}`);
    }

    // Think time: the gap from the end of the previous request of the same page to this start.
    const start = Date.parse(e.startedDateTime);
    const page = e.pageref ?? 'recorded';
    if (prevStep && prevEnd !== undefined && prevPage === page) {
      const gap = Math.max(0, Math.min(MAX_THINK_MS, Math.round(start - prevEnd)));
      if (gap > 0) prevStep.think = `${gap}ms`;
    }
    prevEnd = start + Math.max(0, e.time);
    prevStep = step;
    prevPage = page;

    let j = journeys.get(page);
    if (!j) {
      const title = pageTitle.get(page) ?? page;
      j = { name: title.replace(/[,()\s]+/g, ' ').trim().slice(0, 60) || `flow-${journeys.size + 1}`, weight: 1, steps: [] };
      if ([...journeys.values()].some((x) => x.name === j!.name)) j.name = `${j.name} ${journeys.size + 1}`;
      journeys.set(page, j);
    }
    j.steps.push(step);

    // What this response offers later requests (JSON body values and a few headers).
    const body = e.response.content.text;
    if (body && /json/i.test(e.response.content.mimeType ?? '')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(e.response.content.encoding === 'base64' ? Buffer.from(body, 'base64').toString('utf8') : body);
      } catch {
        parsed = undefined;
      }
      const vals: { path: string; key: string; value: string }[] = [];
      jsonValues(parsed, '$', vals);
      for (const v of vals) produced.push({ value: v.value, index, step, capture: v.path, hint: v.key });
    }
    for (const h of e.response.headers as Header[]) {
      if (/^(etag|x-csrf-token|x-auth-token|location)$/i.test(h.name) && h.value.length >= 4) produced.push({ value: h.value, index, step, capture: `header:${h.name.toLowerCase()}`, hint: h.name.toLowerCase().replace(/[^a-z0-9]+/g, '_') });
    }
  }

  for (const c of correlations) {
    const producer = [...journeys.values()].flatMap((j) => j.steps).find((s) => c.from.startsWith(`${s.name} `));
    if (producer) (producer.comment ??= []).push(`correlation: \`${c.variable}\` is captured here and sent by ${[...new Set(c.to)].join(', ')}`);
  }
  const credentialList = [...credentials];
  const report = [
    `imported ${kept.length} request(s) into ${journeys.size} journey(s); dropped ${dropped.static} static asset(s) and ${dropped.thirdParty} third-party request(s)`,
    ...correlations.map((c) => `correlated \`${c.variable}\`: captured by ${c.from}, sent by ${[...new Set(c.to)].join(', ')}`),
    ...(credentialList.length ? [`credentials (${credentialList.join(', ')}) moved to the data feeder \`credentials\` (${opts.credentialsFile}): fill in one row per user`] : []),
    ...formatMaskReport(masker.report),
  ];
  const draft: Draft = {
    header: [
      `Imported by \`${opts.command}\`: ${kept.length} API request(s) of ${all.length} recorded.`,
      `Dropped ${dropped.static} static asset(s) and ${dropped.thirdParty} request(s) to other hosts (keep one with --host).`,
      'Each page of the recording is a journey; think times are the recorded gaps between requests.',
      ...(correlations.length ? correlations.map((c) => `Correlation: ${c.from} → \`{{${c.variable}}}\` in ${[...new Set(c.to)].join(', ')}`) : ['No correlation found (no response value reappeared in a later request).']),
      ...formatMaskReport(masker.report),
      'Review before running: the rate below is one journey a second.',
    ],
    name: opts.name,
    targets,
    load: { rate: 1, duration: '30s', comment: ['journeys started per second; raise it for the drill'] },
    pools: [],
    csvs: credentialList.length ? [{ name: 'credentials', csv: opts.credentialsFile, comment: [`one row per user: ${credentialList.join(', ')} (the recording's own values are never written)`] }] : [],
    requests: [],
    journeys: [...journeys.values()],
    links: [],
  };
  return { draft, credentials: credentialList, kept: kept.length, dropped, correlations, report };
}
