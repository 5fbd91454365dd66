// Test-only: one agent as its own process (the way it runs in production), for the NATS tests.
// node agent-process.fixture.mjs <natsUrl> <prefix> <name> <workers>
import { runAgent } from '@peakdrill/controller';

const [natsUrl, prefix, name, workers] = process.argv.slice(2);
const agent = await runAgent({ natsUrl, prefix, name, workers: Number(workers), onLog: (l) => process.stderr.write(l + '\n') });
process.stdout.write('ready\n');
const stop = () => void agent.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
