// Route templates: the path of a recorded request with its ids replaced by placeholders, so
// `/api/items/SKU-000042` and `/api/items/SKU-000007` are one link, `GET /api/items/:id`.
// Shared by every importer (access log, HAR, OpenAPI) so a route is named one way.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\d+$/;
const LONG_HEX = /^[0-9a-f]{12,}$/i;
const VERSION = /^v\d{1,3}$/i;
const WORDY_ID = /^[A-Za-z0-9_.~@+-]*\d[A-Za-z0-9_.~@+-]*$/;

/** True when a path segment is an identifier (number, uuid, long hex, a word with digits such as `SKU-000042`). */
export function isIdSegment(segment: string): boolean {
  if (segment === '' || VERSION.test(segment)) return false;
  if (NUMBER.test(segment) || UUID.test(segment) || LONG_HEX.test(segment)) return true;
  if (segment.includes('@')) return true; // an email address in a path is an id (and personal data)
  return segment.length >= 3 && WORDY_ID.test(segment);
}

export interface RouteParam {
  /** Placeholder name, from the segment before it: `/items/42` → `item_id`. */
  name: string;
  value: string;
}

export interface Route {
  /** `/api/items/:item_id` — the path with placeholders. */
  template: string;
  params: RouteParam[];
}

function singular(word: string): string {
  const w = word.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** Turns a path (without query) into its route template and the ids it carried. */
export function routeOf(path: string): Route {
  const segments = path.split('/');
  const params: RouteParam[] = [];
  const used = new Set<string>();
  const out = segments.map((seg, i) => {
    let decoded = seg;
    try {
      decoded = decodeURIComponent(seg);
    } catch {
      // keep the raw segment
    }
    if (!isIdSegment(decoded)) return seg;
    const prev = segments.slice(0, i).reverse().find((s) => s !== '' && !isIdSegment(s));
    let name = prev ? `${singular(prev)}_id` : 'id';
    if (!/^[A-Za-z_]/.test(name)) name = `p_${name}`;
    while (used.has(name)) name = `${name}_2`;
    used.add(name);
    params.push({ name, value: decoded });
    return `:${name}`;
  });
  return { template: out.join('/') || '/', params };
}

/** `GET /api/items/:item_id` — the link name of a route (what a person reads in the verdict table). */
export function linkName(method: string, template: string): string {
  return `${method.toUpperCase()} ${template}`.replace(/[,()\s]+$/g, '').replace(/[,()]/g, '_');
}

/** `/api/items/:item_id` + feeder names → `/api/items/{{item_id.value}}`. */
export function templateUrl(template: string, feederOf: (param: string) => string): string {
  return template.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, p: string) => `{{${feederOf(p)}.value}}`);
}
