import { type Cluster, Redis } from 'ioredis';
import type { RedisConnection } from './redis-client.ts';

/**
 * One pub/sub subscription that knows when it may have missed a message.
 *
 * Redis pub/sub delivers at most once: a message published while the subscribing connection is down is lost, and
 * nothing tells the subscriber which. So a subscriber that keeps state derived from the messages (a cache) must
 * treat every loss of the connection as "anything may have changed": `onLost` says so at once, and `onLive` says the
 * subscription holds again (after which messages are complete until the next `onLost`).
 */
export interface Subscription {
  /** Whether the subscription holds: no message can have been missed since the last `onLive`. */
  readonly live: boolean;
  /** Unsubscribes and closes the connection the subscription opened (not one it was given). Idempotent. */
  close(): Promise<void>;
}

export interface SubscriptionOptions {
  /**
   * Where to subscribe. A single node or a Sentinel group: a duplicate of it. A Cluster: a plain connection to one of
   * its nodes (Redis forwards a Cluster's messages to every node), replaced by one to another node when it ends.
   */
  client: RedisConnection;
  channel: string;
  /** Subscribe on this connection instead; it is not closed by `close()`. @default one opened from `client` */
  connection?: RedisConnection;
  onMessage(message: string): void;
  /** Subscribed: the first time, or again after `onLost`. Runs just before `live` turns true. */
  onLive?(): void;
  /** The subscription stopped holding (its connection closed or errored). Runs just after `live` turns false. */
  onLost?(): void;
}

/** How long after a failed or lost subscription it is tried again, when no reconnection does it (ms). */
export const RESUBSCRIBE_DELAY_MS = 500;

/**
 * Subscribes to `channel` and keeps the subscription, telling when it may have missed messages.
 *
 * On a Cluster, ioredis's own subscriber connection (`cluster.subscribe`) moves to another node when its node ends —
 * and tells nobody, so a subscriber would look whole while messages were lost. A Cluster given as `client` is
 * therefore subscribed to through a connection this function owns, to a node taken from `cluster.nodes()`, whose end
 * it sees. (A Cluster given as `connection` is used as it is: such a silent move goes unseen.)
 */
export function subscribe(options: SubscriptionOptions): Subscription {
  const { channel } = options;
  let live = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let subscribing = false;

  const later = (action: () => void) => {
    if (retry || closed) return;
    retry = setTimeout(() => {
      retry = undefined;
      if (!closed) action();
    }, RESUBSCRIBE_DELAY_MS);
    retry.unref();
  };
  const lost = () => {
    if (!live) return;
    live = false;
    options.onLost?.();
  };
  const onMessage = (from: string, message: string) => {
    // `disconnect()` is not instant: a message may still arrive after `close()`.
    if (from === channel && !closed) options.onMessage(message);
  };

  /** Subscribes on `connection`; false when it failed (the connection is not subscribed). */
  const subscribeOn = async (connection: RedisConnection): Promise<boolean> => {
    if (closed || live || subscribing) return live;
    subscribing = true;
    try {
      await connection.subscribe(channel);
      if (closed) return false;
      options.onLive?.();
      live = true;
      return true;
    } catch {
      return false;
    } finally {
      subscribing = false;
    }
  };

  const ownsNodeConnection = options.connection === undefined && options.client.isCluster;
  let close: () => Promise<void>;

  if (ownsNodeConnection) {
    const cluster = options.client as Cluster;
    let current: Redis | undefined;
    // A random first node, so that many instances' subscriptions spread over the Cluster as ioredis's own do.
    let turn = Math.floor(Math.random() * 1024);
    const open = () => {
      if (closed || current) return;
      // The Cluster's view of its nodes, replicas included (they receive every message too). Before the Cluster has
      // connected it knows none: try again once it is ready, or shortly (it may have been ready and lost them).
      const nodes = cluster.nodes('all');
      if (nodes.length === 0) {
        cluster.off('ready', open);
        cluster.once('ready', open);
        return later(open);
      }
      // Then round the list, so that a node whose connection just ended is not the next one tried.
      const node = nodes[turn++ % nodes.length]!;
      const { host, port, username, password, tls, connectionName } = node.options;
      const connection = new Redis({
        host,
        port,
        username,
        password,
        tls,
        connectionName,
        // No reconnection: when this node's connection ends, the next attempt goes to a node that may be up.
        retryStrategy: () => null,
        maxRetriesPerRequest: 1,
      });
      current = connection;
      connection.on('error', () => {});
      connection.on('message', onMessage);
      connection.on('close', lost);
      connection.once('end', () => {
        lost();
        if (current === connection) current = undefined;
        later(open);
      });
      connection.once('ready', () => {
        void subscribeOn(connection).then((ok) => {
          // Connected but not subscribed: drop this connection, whose end tries another.
          if (!ok && !closed) connection.disconnect();
        });
      });
    };
    open();
    close = async () => {
      cluster.off('ready', open);
      current?.disconnect();
    };
  } else {
    const owned = options.connection === undefined;
    // Not a Cluster (that is the branch above). ioredis's own resubscription on reconnect is off: this function
    // subscribes on every 'ready' and catches a failure, where ioredis's own is an unhandled rejection when the
    // connection is no longer writable by then (seen once in CI, in a test that stops Redis and starts it again).
    const connection = options.connection ?? (options.client as Redis).duplicate({ autoResubscribe: false });
    if (owned) connection.on('error', () => {});
    const attempt = () => {
      if (connection.status !== 'ready') return; // reconnecting: its 'ready' subscribes
      void subscribeOn(connection).then((ok) => (ok || closed ? undefined : later(attempt)));
    };
    const down = () => {
      lost();
      later(attempt);
    };
    // A Cluster reports a lost node (`-node`, `node error`) without its own status leaving 'ready': no 'ready' follows,
    // so it is subscribed to again after a delay (idempotent; ioredis sends it wherever the subscription now is).
    const handlers: [string, (...args: string[]) => void][] = [
      ['message', onMessage],
      ['ready', attempt],
      ...['close', 'end', 'reconnecting', 'error', '-node', 'node error'].map(
        (event) => [event, down] as [string, () => void],
      ),
    ];
    for (const [event, handler] of handlers) connection.on(event, handler);
    if (connection.status === 'ready') attempt();
    // A connection made with `lazyConnect` (duplicated from the caller's) waits for a first command; connect it now.
    else if (connection.status === 'wait') connection.connect().catch(() => {});
    close = async () => {
      if (owned) connection.disconnect();
      else {
        for (const [event, handler] of handlers) connection.off(event, handler);
        await connection.unsubscribe(channel).catch(() => {});
      }
    };
  }

  return {
    get live() {
      return live && !closed;
    },
    async close() {
      if (closed) return;
      closed = true;
      live = false;
      if (retry) clearTimeout(retry);
      await close();
    },
  };
}
