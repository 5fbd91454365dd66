// One way to open a NATS connection for agents and controllers alike: a short connect
// timeout so a missing NATS is a clear user error (exit 2), then reconnects forever — whether
// a drill survives a NATS blip is decided by the heartbeats, not by the client.

import { connect, type Msg, type NatsConnection, type SubscriptionOptions } from '@nats-io/transport-node';
import { EXIT, redactUserinfo, UserError } from '@peakdrill/core';

const CONNECT_TIMEOUT_MS = 3_000;

export async function connectNats(natsUrl: string, name: string): Promise<NatsConnection> {
  const shown = redactUserinfo(natsUrl);
  try {
    return await connect({
      servers: natsUrl,
      name,
      timeout: CONNECT_TIMEOUT_MS,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      // a dead server is noticed from the client side within ~6 s even with no traffic
      pingInterval: 3_000,
      maxPingOut: 2,
    });
  } catch (err) {
    const why = (err as Error).message || String(err);
    throw new UserError(
      'NATS_UNAVAILABLE',
      `cannot reach NATS at ${shown} (${why}): start NATS (for example \`docker compose up -d nats\`, or nats-server -js) or point --nats at a running server`,
      { exitCode: EXIT.badInput },
    );
  }
}


/** Subscription options that hand each message to `f` (a subscription error closes it; nothing to do). */
export function onMessages(f: (m: Msg) => void): SubscriptionOptions {
  return {
    callback: (err, m) => {
      if (!err) f(m);
    },
  };
}
