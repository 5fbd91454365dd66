// An imported scenario before it is text: the importers (access log, HAR, OpenAPI) build a
// Draft, and `draftYaml` writes it as a commented scenario a person can review. One writer,
// so every import reads the same way and quotes the same way (JSON strings are valid YAML).

export interface DraftStep {
  name: string;
  method: string;
  url: string;
  /** Only for single requests (`requests:`). */
  weight?: number;
  /** Target name, when the scenario has more than one. */
  target?: string;
  headers?: Record<string, string>;
  json?: unknown;
  body?: string;
  capture?: Record<string, string>;
  status?: number[];
  think?: string;
  /** Comment lines written above the step. */
  comment?: string[];
}

export interface DraftJourney {
  name: string;
  weight: number;
  think?: string;
  comment?: string[];
  steps: DraftStep[];
}

export interface DraftPool {
  name: string;
  values: string[];
  mode: 'random' | 'sequential';
  comment?: string[];
}

export interface DraftCsv {
  name: string;
  csv: string;
  comment?: string[];
}

export interface DraftLink {
  name: string;
  baseline: number;
  comment?: string;
}

export interface Draft {
  /** Comment lines at the top of the file. */
  header: string[];
  name: string;
  description?: string;
  targets: Record<string, string>;
  /** An open-model rate and duration, or (access logs) a replay of the log itself. */
  load: { rate: number; duration: string; comment?: string[] } | { replay: { log: string; speed: number; format?: string }; comment?: string[] };
  pools: DraftPool[];
  csvs?: DraftCsv[];
  requests: DraftStep[];
  journeys: DraftJourney[];
  growth?: number;
  links: DraftLink[];
}

const q = (v: unknown): string => JSON.stringify(v);
const comments = (lines: string[] | undefined, indent: string): string => (lines ?? []).map((l) => `${indent}# ${l}`.trimEnd() + '\n').join('');
const flowMap = (m: Record<string, unknown>): string => `{ ${Object.entries(m).map(([k, v]) => `${q(k)}: ${q(v)}`).join(', ')} }`;

function step(s: DraftStep, indent: string): string {
  let out = comments(s.comment, indent);
  out += `${indent}- name: ${q(s.name)}\n`;
  const i = `${indent}  `;
  if (s.weight !== undefined) out += `${i}weight: ${s.weight}\n`;
  if (s.target !== undefined) out += `${i}target: ${s.target}\n`;
  if (s.method !== 'GET') out += `${i}method: ${s.method}\n`;
  out += `${i}url: ${q(s.url)}\n`;
  if (s.headers && Object.keys(s.headers).length > 0) out += `${i}headers: ${flowMap(s.headers)}\n`;
  if (s.json !== undefined) out += `${i}json: ${q(s.json)}\n`;
  else if (s.body !== undefined) out += `${i}body: ${q(s.body)}\n`;
  if (s.capture && Object.keys(s.capture).length > 0) out += `${i}capture: ${flowMap(s.capture)}\n`;
  if (s.status && s.status.length > 0) out += `${i}check: { status: [${s.status.join(', ')}] }\n`;
  if (s.think !== undefined) out += `${i}think: ${s.think}\n`;
  return out;
}

/** A long list as a flow sequence over several lines, ten values a line. */
function wrapList(values: string[]): string {
  if (values.length <= 10) return ` [${values.map(q).join(', ')}]`;
  const rows: string[] = [];
  for (let i = 0; i < values.length; i += 10) rows.push(`      ${values.slice(i, i + 10).map(q).join(', ')}`);
  return ` [\n${rows.join(',\n')}\n    ]`;
}

/** The scenario text of a draft (pure). */
export function draftYaml(d: Draft): string {
  let out = comments(d.header, '');
  out += `name: ${q(d.name)}\n`;
  if (d.description !== undefined) out += `description: ${q(d.description)}\n`;
  out += 'targets:\n';
  for (const [k, v] of Object.entries(d.targets)) out += `  ${k}: ${q(v)}\n`;
  out += 'load:\n' + comments(d.load.comment, '  ');
  out += 'replay' in d.load ? `  model: replay\n  log: ${q(d.load.replay.log)}\n${d.load.replay.format !== undefined ? `  format: ${q(d.load.replay.format)}\n` : ''}  speed: ${d.load.replay.speed}\n` : `  rate: ${d.load.rate}\n  duration: ${d.load.duration}\n`;
  if (d.pools.length > 0 || (d.csvs ?? []).length > 0) {
    out += 'data:\n';
    for (const p of d.pools) out += comments(p.comment, '  ') + `  ${p.name}:\n    mode: ${p.mode}\n    list:${wrapList(p.values)}\n`;
    for (const c of d.csvs ?? []) out += comments(c.comment, '  ') + `  ${c.name}: { csv: ${q(c.csv)}, mode: sequential }\n`;
  }
  if (d.requests.length > 0) {
    out += 'requests:\n';
    for (const s of d.requests) out += step(s, '  ');
  }
  if (d.journeys.length > 0) {
    out += 'journeys:\n';
    for (const j of d.journeys) {
      out += comments(j.comment, '  ') + `  - name: ${q(j.name)}\n    weight: ${j.weight}\n`;
      if (j.think !== undefined) out += `    think: ${j.think}\n`;
      out += '    steps:\n';
      for (const s of j.steps) out += step(s, '      ');
    }
  }
  if (d.links.length > 0) {
    // A replay sends the log's own pace, whose mean is below its busiest second: throughput
    // targets would fail by construction, so a replay keeps last peak as information only.
    const c = 'replay' in d.load ? '# ' : '';
    if (c) out += '# Last peak per link, for an open-model drill (a replay is judged by its budgets and fidelity.json):\n';
    out += `${c}capacity:\n${c}  growth: ${d.growth ?? 1}\n${c}  links:\n`;
    for (const l of d.links) out += `${c}    ${q(l.name)}: { baseline: ${l.baseline} }${l.comment ? `   # ${l.comment}` : ''}\n`;
  }
  return out;
}
