// Test-only: a controller as its own process, so that a test can kill it (SIGKILL) mid-drill.
// node controller-process.fixture.mjs <natsUrl> <prefix> <targetUrl> <rate> <durationMs> <agents>
import { tmpdir } from 'node:os';
import { quickPlan } from '@peakdrill/core';
import { Drill, createNatsFleet } from '@peakdrill/controller';

const [natsUrl, prefix, url, rate, durationMs, agents] = process.argv.slice(2);
const plan = quickPlan({ url, rate: Number(rate), durationMs: Number(durationMs) });
plan.shadow.enabled = false;
const fleet = createNatsFleet({ natsUrl, prefix, agents: Number(agents), waitMs: 10_000, onNote: (n) => process.stderr.write(`note: ${n}\n`) });
const drill = new Drill({ plan, outDir: tmpdir(), fleet, onSecond: (s) => process.stdout.write(`second ${s.t}\n`) });
const result = await drill.run();
process.stdout.write(`status ${result.summary.status}\n`);
process.exit(0);
