// NATS subjects of distributed drills. One prefix per fleet (default `peakdrill`): agents and
// controllers that share a prefix find each other; a different prefix is a separate fleet (tests
// use a random one so parallel runs never meet). Versions live in the messages, not here: an
// agent of another version must still be reachable to be refused with a clear message.

export const DEFAULT_PREFIX = 'peakdrill';

export interface Subjects {
  discover: string;
  agents: string;
  agent(id: string): string;
  control(runId: string): string;
  data(runId: string): string;
}

export function subjects(prefix: string = DEFAULT_PREFIX): Subjects {
  const p = checkPrefix(prefix);
  return {
    discover: `${p}.discover`,
    agents: `${p}.agents`,
    agent: (id) => `${p}.agent.${token(id)}`,
    control: (runId) => `${p}.run.${token(runId)}.control`,
    data: (runId) => `${p}.run.${token(runId)}.data`,
  };
}

/** One subject token: NATS splits on '.', and '*', '>' and whitespace are special. */
export function token(s: string): string {
  const t = s.replace(/[^A-Za-z0-9_-]/g, '_');
  return t.length > 0 ? t : '_';
}

function checkPrefix(prefix: string): string {
  const parts = prefix.split('.');
  if (parts.some((p) => p.length === 0 || p !== token(p))) {
    throw new Error(`bad subject prefix "${prefix}": dot-separated tokens of letters, digits, '_' and '-'`);
  }
  return prefix;
}
