// URLs of checks and abort rules may be written relative to a target (`url: /admin/audit`,
// with `target: gateway` when the scenario has several), so `--target gateway=URL` moves them
// along with the traffic instead of leaving them pointing at the old host.

import { didYouMean } from './suggest.js';

export function resolveTargetUrl(url: string, target: string | undefined, targets: Readonly<Record<string, string>>): { url: string } | { problem: string } {
  const names = Object.keys(targets);
  if (!url.startsWith('/')) {
    if (target !== undefined) return { problem: `with \`target: ${target}\` the URL is a path on that target, starting with \`/\` (got \`${url}\`)` };
    return { url };
  }
  const name = target ?? (names.length === 1 ? names[0] : undefined);
  if (name === undefined) return { problem: `\`${url}\` is a path: say on which target with \`target:\` (one of ${names.join(', ') || 'none'})` };
  const base = targets[name];
  if (base === undefined) return { problem: `no target named \`${name}\`${didYouMean(name, names)}; targets: ${names.join(', ') || '(none)'}` };
  return { url: base.replace(/\/$/, '') + url };
}
