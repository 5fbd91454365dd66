// `peakdrill stack` — starts the reference order/payment stack (all services in this process,
// or one with --service so they can run as separate processes and containers).

import { Option, type Command } from 'commander';
import { UserError } from '@peakdrill/core';
import { SERVICE_NAMES, StackStartError, startStack, type ServiceName, type StackOptions } from '@peakdrill/stack';

interface Flags {
  port?: string;
  host: string;
  pg?: string;
  redis?: string;
  nats?: string;
  natsStream?: string;
  dataDir?: string;
  service?: ServiceName;
  paymentLatency?: string;
  paymentFailureRate?: string;
  rateLimit?: string;
  skuRateLimit?: string;
  soldOutTtl?: string;
  itemCache?: string;
  skuInFlight?: string;
  skus?: string;
  flashStock?: string;
  /** --threads / --no-threads; undefined: the stack's default. */
  threads?: boolean;
  [peerUrl: `${string}Url`]: string | undefined;
}

const DEFAULT_PORT = 8080;

function num(flag: string, raw: string | undefined, min: number, max: number, integer = true): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    throw new UserError('BAD_FLAG', `--${flag} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, got "${raw}"`);
  }
  return v;
}

function url(flag: string, raw: string | undefined, protocols: readonly string[]): string | undefined {
  if (raw === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UserError('BAD_FLAG', `--${flag} must be a URL (${protocols.join(' or ')}), got "${raw}"`);
  }
  if (!protocols.includes(u.protocol)) throw new UserError('BAD_FLAG', `--${flag} must be a ${protocols.join(' or ')} URL, got "${raw}"`);
  return raw;
}

/** The options startStack gets from the command line (pure: flags in, options out). */
export function stackOptions(f: Flags): StackOptions {
  // Alone, a service defaults to its own place in the default layout (catalog 8081, …).
  const port = num('port', f.port, 0, 65535) ?? DEFAULT_PORT + (f.service ? SERVICE_NAMES.indexOf(f.service) : 0);
  const services = f.service ? [f.service] : undefined;
  const peers: Partial<Record<ServiceName, string>> = {};
  for (const [i, name] of SERVICE_NAMES.entries()) {
    if (name === f.service || name === 'gateway') continue;
    const given = url(`${name}-url`, f[`${name}Url`], ['http:']);
    // Alone, a service expects its peers in the default layout unless told otherwise.
    if (given) peers[name] = given.replace(/\/+$/, '');
    else if (services) peers[name] = `http://127.0.0.1:${DEFAULT_PORT + i}`;
  }
  if (!services && port + SERVICE_NAMES.length - 1 > 65535) throw new UserError('BAD_FLAG', `--port must leave room for ${SERVICE_NAMES.length} ports (at most ${65536 - SERVICE_NAMES.length})`);
  const pgUrl = url('pg', f.pg, ['postgres:', 'postgresql:']);
  const redisUrl = url('redis', f.redis, ['redis:', 'rediss:']);
  const natsUrl = url('nats', f.nats, ['nats:', 'tls:']);
  const latency = num('payment-latency', f.paymentLatency, 0, 60_000, false);
  const failure = num('payment-failure-rate', f.paymentFailureRate, 0, 1, false);
  const globalRps = num('rate-limit', f.rateLimit, 0, 10_000_000);
  const skuRps = num('sku-rate-limit', f.skuRateLimit, 0, 10_000_000);
  const soldOutTtlMs = num('sold-out-ttl', f.soldOutTtl, 0, 3_600_000);
  const maxInFlight = num('sku-in-flight', f.skuInFlight, 0, 1_000_000);
  const itemCacheMs = num('item-cache', f.itemCache, 0, 3_600_000);
  const skus = num('skus', f.skus, 0, 999_999);
  const flashStock = num('flash-stock', f.flashStock, 0, 1_000_000_000);
  return {
    port,
    host: f.host,
    ...(services ? { services } : {}),
    ...(f.threads !== undefined ? { threads: f.threads } : {}),
    peers,
    ...(pgUrl ? { pgUrl } : {}),
    ...(redisUrl ? { redisUrl } : {}),
    ...(natsUrl ? { natsUrl } : {}),
    ...(natsUrl && f.natsStream ? { nats: { stream: f.natsStream } } : {}),
    ...(f.dataDir ? { dataDir: f.dataDir } : {}),
    ...(latency !== undefined ? { paymentLatencyMs: latency } : {}),
    ...(failure !== undefined ? { paymentFailureRate: failure } : {}),
    rateLimit: { ...(globalRps !== undefined ? { globalRps } : {}), ...(skuRps !== undefined ? { skuRps } : {}) },
    shield: { ...(soldOutTtlMs !== undefined ? { soldOutTtlMs } : {}), ...(maxInFlight !== undefined ? { maxInFlight } : {}) },
    ...(itemCacheMs !== undefined ? { gatewayCache: { itemCacheMs } } : {}),
    seed: { ...(skus !== undefined ? { skus } : {}), ...(flashStock !== undefined ? { flashStock } : {}) },
  };
}

/** What `peakdrill stack` prints once it listens. */
export function formatUrls(urls: Partial<Record<ServiceName, string>>, store: string, redis: boolean, queue = 'none'): string {
  const lines = Object.entries(urls).map(([name, u]) => `  ${name.padEnd(10)}${u}`);
  return `peakdrill stack: store ${store}${redis ? ' + redis' : ''}${queue === 'nats' ? ' + nats' : ''}\n${lines.join('\n')}\n`;
}

function startError(err: unknown): never {
  if (err instanceof StackStartError) throw new UserError(err.code, err.message);
  throw err;
}

export function register(program: Command): void {
  const cmd = program
    .command('stack')
    .description('start the reference order/payment stack (gateway on --port, the other services on the next ports)')
    .option('--port <n>', `gateway port (default ${DEFAULT_PORT}); catalog, cart, inventory, order, payment follow on the next five. With --service: that service's port (default: its place in that layout)`)
    .option('--host <addr>', 'interface to listen on', '127.0.0.1')
    .option('--pg <url>', 'PostgreSQL URL (default: embedded PGlite)')
    .option('--redis <url>', 'Redis URL for flash-sale stock pre-deduction and hot counters')
    .option('--nats <url>', 'NATS URL: the order queue (Prefer: respond-async) runs on JetStream (default: the embedded queue)')
    .option('--nats-stream <name>', 'JetStream stream of the order queue (default PEAKDRILL_ORDERS)')
    .option('--data-dir <dir>', 'keep the embedded store in this folder (default: in memory)')
    .option('--threads', 'run each service in its own worker thread (default: all on one event loop; docs/stack.md)')
    .option('--no-threads', 'run all services on one event loop')
    .addOption(new Option('--service <name>', 'start only this service').choices([...SERVICE_NAMES]))
    .option('--payment-latency <ms>', 'simulated payment processor latency')
    .option('--payment-failure-rate <r>', 'share of charges the simulated processor declines (0..1)')
    .option('--rate-limit <rps>', 'gateway requests per second over all routes (0: off; default 50000)')
    .option('--sku-rate-limit <rps>', 'gateway order creations per second per SKU (0: off; default 2000)')
    .option('--sold-out-ttl <ms>', 'how long the gateway answers a sold-out SKU itself before it looks again (0: off; default 1000)')
    .option('--sku-in-flight <n>', 'order creations of one SKU inside the stack at once; more are shed with 429 (0: off; default 64)')
    .option('--item-cache <ms>', 'how long the gateway answers an item read itself before it asks the catalog again (0: off; default 250)')
    .option('--skus <n>', 'regular SKUs to seed into an empty store (default 3000)')
    .option('--flash-stock <n>', 'stock of FLASH-1 seeded into an empty store (default 100)');
  // Nothing calls the gateway, so it needs no URL flag.
  for (const name of SERVICE_NAMES.slice(1)) cmd.option(`--${name}-url <url>`, `where the ${name} service runs (with --service)`);
  cmd.addHelpText('after', '\nThe shadow secret comes from PEAKDRILL_SHADOW_SECRET, the admin token from PEAKDRILL_ADMIN_TOKEN, the service credential (needed by --service inventory|order|payment) from PEAKDRILL_SERVICE_TOKEN.');
  cmd.action(async (flags: Flags) => {
    const opts = stackOptions(flags);
    const stack = await startStack({ ...opts, log: (line) => process.stderr.write(line + '\n') }).catch(startError);
    process.stdout.write(formatUrls(stack.urls, stack.store, stack.redis, stack.queue));
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = (): void => {
        if (stopping) process.exit(130); // a second signal: do not wait for a slow close
        stopping = true;
        process.stderr.write('peakdrill stack: stopping\n');
        stack.close().then(resolve, resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
  });
}
