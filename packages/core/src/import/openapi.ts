// `peakdrill import openapi FILE` (OpenAPI 3.x, JSON or YAML): one request per operation,
// named like every other import (`POST /api/orders`, `GET /api/orders/:id`), with path and
// query parameters from their examples and a JSON body built from the request schema, as a
// starting point to review. Parsing, validation and `$ref` resolution are @readme/openapi-parser
// (a maintained fork of swagger-parser that runs on Node 20; swagger-parser 13 needs Node 22);
// external references are not followed, so importing a document never reaches the network.

import { readFileSync } from 'node:fs';
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import { parseDocument } from 'yaml';
import { UserError } from '../errors.js';
import type { Draft, DraftStep } from './draft.js';
import { checkTextFile } from './lines.js';
import { linkName } from './route.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;
const MAX_DEPTH = 6;

type Schema = {
  type?: string | string[];
  example?: unknown;
  examples?: unknown[];
  default?: unknown;
  enum?: unknown[];
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  minimum?: number;
};
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  example?: unknown;
  schema?: Schema;
}
interface Operation {
  operationId?: string;
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema; example?: unknown }> };
  responses?: Record<string, unknown>;
}
type Doc = { openapi?: string; info?: { title?: string }; servers?: { url: string }[]; paths?: Record<string, Record<string, unknown>> };

/** An example value for a schema: its own example, default or first enum value, else one by type. */
export function exampleOf(s: Schema | undefined, depth = 0): unknown {
  if (!s || depth > MAX_DEPTH) return null;
  if (s.example !== undefined) return s.example;
  if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
  if (s.default !== undefined) return s.default;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (s.allOf) return Object.assign({}, ...s.allOf.map((x) => exampleOf(x, depth + 1)).filter((x) => x && typeof x === 'object'));
  const alt = s.oneOf?.[0] ?? s.anyOf?.[0];
  if (alt) return exampleOf(alt, depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  if (type === 'object' || (type === undefined && s.properties)) {
    return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, exampleOf(v, depth + 1)]));
  }
  if (type === 'array') return [exampleOf(s.items, depth + 1)];
  if (type === 'integer' || type === 'number') return s.minimum !== undefined && s.minimum > 1 ? s.minimum : 1;
  if (type === 'boolean') return true;
  if (type === 'string') {
    if (s.format === 'uuid') return '00000000-0000-4000-8000-000000000000';
    if (s.format === 'date-time') return '2026-11-11T00:00:00Z';
    if (s.format === 'date') return '2026-11-11';
    if (s.format === 'email') return 'drill@example.invalid';
    return 'example';
  }
  return null;
}

function readDoc(file: string): Doc {
  checkTextFile(file, 'an OpenAPI document');
  const text = readFileSync(file, 'utf8');
  if (text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text) as Doc;
    } catch (err) {
      throw new UserError('IMPORT_BAD_OPENAPI', `${file}: not valid JSON (${(err as Error).message})`);
    }
  }
  const doc = parseDocument(text, { prettyErrors: false });
  const e = doc.errors[0];
  if (e) throw new UserError('IMPORT_BAD_OPENAPI', `${file}:${e.linePos?.[0].line ?? 1}:${e.linePos?.[0].col ?? 1}: not valid YAML (${e.message.split('\n')[0]})`);
  return doc.toJS() as Doc;
}

export interface OpenApiOptions {
  name: string;
  command: string;
  /** Base URL the drill sends to (the document's server path is appended). */
  target: string;
}

export async function importOpenApi(file: string, opts: OpenApiOptions): Promise<{ draft: Draft; report: string[] }> {
  const raw = readDoc(file);
  if (raw === null || typeof raw !== 'object' || typeof raw.openapi !== 'string' || !raw.openapi.startsWith('3.')) {
    throw new UserError('IMPORT_BAD_OPENAPI', `${file}: not an OpenAPI 3.x document (no \`openapi: 3.x\` at the top${raw && typeof raw === 'object' && 'swagger' in raw ? '; Swagger 2.0 is not supported: convert it to 3.x first' : ''})`);
  }
  const parserOpts = { resolve: { external: false } };
  const result = await validate(structuredClone(raw) as never, parserOpts);
  if (!result.valid) throw new UserError('IMPORT_BAD_OPENAPI', `${file}: not a valid OpenAPI document:\n${compileErrors(result).split('\n').slice(0, 12).join('\n')}`);
  const doc = (await dereference(structuredClone(raw) as never, parserOpts)) as unknown as Doc;

  const server = doc.servers?.[0]?.url ?? '';
  let basePath = '';
  try {
    basePath = new URL(server, 'http://placeholder').pathname.replace(/\/$/, '');
  } catch {
    basePath = '';
  }
  const target = opts.target.replace(/\/$/, '') + basePath;
  const requests: DraftStep[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    const shared = (item['parameters'] as Parameter[] | undefined) ?? [];
    for (const method of METHODS) {
      const op = item[method] as Operation | undefined;
      if (!op) continue;
      const params = [...shared.filter((p) => !(op.parameters ?? []).some((o) => o.name === p.name && o.in === p.in)), ...(op.parameters ?? [])];
      const value = (p: Parameter): string => String(p.example ?? exampleOf(p.schema) ?? 'example');
      const url = path.replace(/\{([^}]+)\}/g, (_m, n: string) => {
        const p = params.find((x) => x.in === 'path' && x.name === n);
        return encodeURIComponent(p ? value(p) : '1');
      });
      const query = params.filter((p) => p.in === 'query' && p.required).map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(value(p))}`);
      const step: DraftStep = { name: linkName(method, path.replace(/\{([^}]+)\}/g, ':$1')), method: method.toUpperCase(), url: url + (query.length ? `?${query.join('&')}` : ''), weight: 1 };
      const json = op.requestBody?.content?.['application/json'];
      if (json) step.json = json.example ?? exampleOf(json.schema);
      const ok = Object.keys(op.responses ?? {}).filter((c) => /^2\d\d$/.test(c)).map(Number);
      if (ok.length) step.status = ok;
      step.comment = [[op.operationId, op.summary].filter(Boolean).join(': ') || `${method.toUpperCase()} ${path}`];
      requests.push(step);
    }
  }
  if (requests.length === 0) throw new UserError('IMPORT_NOTHING_USABLE', `${file}: the document has no operations under \`paths:\``);
  const title = doc.info?.title ?? opts.name;
  return {
    draft: {
      header: [
        `Imported by \`${opts.command}\` from "${title}" (OpenAPI ${doc.openapi}): ${requests.length} operation(s), one request each.`,
        'A starting point: parameters and bodies are the document\'s examples (or values made from the schema);',
        'weights are all 1 and there are no capacity targets. Set both from real traffic (`peakdrill import access-log`).',
      ],
      name: opts.name,
      targets: { api: target },
      load: { rate: 1, duration: '30s', comment: ['requests started per second; raise it for the drill'] },
      pools: [],
      requests,
      journeys: [],
      links: [],
    },
    report: [`imported ${requests.length} operation(s) from ${title}`],
  };
}
