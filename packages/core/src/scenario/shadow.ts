// "Is tagging on?" decided once: a drill tags its requests (DESIGN.md: shadow-tag headers) when
// the plan's shadow tagging is enabled and a secret to sign with is at hand. Everything that
// acts on it (the generators' headers, preflight, the tag-coverage abort, the summary) asks here.

import type { Plan } from '../plan.js';

/** True when requests carry the shadow tag: tagging enabled and a non-empty secret to sign with. */
export function shadowTagging(plan: Pick<Plan, 'shadow'>, secret: string | undefined | null): secret is string {
  return plan.shadow.enabled && typeof secret === 'string' && secret.length > 0;
}

/**
 * The secret a drill of `plan` signs with, read from the environment variable the plan names
 * (none when tagging is off). A quick run targets any server, so without a secret it runs
 * untagged instead of refusing: its `shadow.enabled` is turned off, and the summary says so.
 */
export function shadowSecretFor(plan: Pick<Plan, 'shadow' | 'source'>, env: NodeJS.ProcessEnv): string | undefined {
  const secret = plan.shadow.enabled ? env[plan.shadow.secretEnv] : undefined;
  if (plan.source === '<quick>' && !shadowTagging(plan, secret)) {
    plan.shadow.enabled = false;
    return undefined;
  }
  return secret;
}
