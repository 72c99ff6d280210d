import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { RedisConnection } from './redis-client.ts';

/**
 * Invalidation of the instances' local caches over Redis pub/sub. A writer publishes on `channel` after each change
 * (`client:{id}` or `resources`); every instance's feed receives it and drops that entry.
 *
 * Pub/sub delivers at most once: a message sent while a subscriber is disconnected is lost. So caches are trusted
 * only while the subscription is live: `live` turns false (and `onReset` drops everything) the moment the subscriber
 * connection closes, and true again only once it has re-subscribed. While not live the stores read through to Redis.
 */
export interface ChangeFeed {
  /** Whether cached entries may be served: the subscription is established and nothing can have been missed. */
  readonly live: boolean;
  /** Changes every time the feed drops state (a message, a reset): a read that began under another generation must not fill the cache. */
  readonly generation: number;
  on(listener: (message: string) => void): void;
  publish(message: string): Promise<void>;
  close(): Promise<void>;
}

export interface ChangeFeedOptions {
  client: RedisConnection;
  channel: string;
  /** A connection to subscribe with; the feed then does not close it. @default client.duplicate(), closed by `close()` */
  subscriber?: RedisConnection;
}

/** What the feed needs of an ioredis connection it watches. */
interface EventEmitterLike {
  readonly status: string;
  once(event: 'end', listener: () => void): unknown;
  off(event: 'end', listener: () => void): unknown;
}

/** How long after the subscription was lost the feed tries to subscribe again, when no reconnection does it (ms). */
const RESUBSCRIBE_DELAY_MS = 500;

export function createChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const { client, channel } = options;
  const owned = options.subscriber === undefined;
  const subscriber =
    options.subscriber ??
    (client.isCluster ? (client as Cluster).duplicate() : (client as Redis).duplicate());
  const listeners: ((message: string) => void)[] = [];
  let live = false;
  let generation = 0;
  let closed = false;

  const reset = (message: string) => {
    generation++;
    for (const listener of listeners) listener(message);
  };
  let subscribing = false;
  let retry: NodeJS.Timeout | undefined;
  // A Cluster reports a node lost (`-node`, `node error`) without its own status leaving 'ready', so no 'ready' follows
  // to subscribe again: after a failover the cache would stay bypassed for good. Subscribing once more (idempotent;
  // ioredis sends it to whichever node now holds the subscription) tells when the feed is whole again.
  const resubscribeLater = () => {
    if (retry || closed) return;
    retry = setTimeout(() => {
      retry = undefined;
      if (closed || live) return;
      if (subscriber.status === 'ready') void up().then(() => (live ? undefined : resubscribeLater()));
      // Otherwise the connection is reconnecting, and its 'ready' subscribes.
    }, RESUBSCRIBE_DELAY_MS);
    retry.unref();
  };
  const down = () => {
    if (live) {
      live = false;
      reset('*');
    }
    resubscribeLater();
  };
  const up = async () => {
    // ioredis may report 'ready' more than once for one connection: only a change from down to up resets the caches
    // (a reset while up would only throw away entries nothing has invalidated).
    if (closed || live || subscribing) return;
    subscribing = true;
    try {
      await subscriber.subscribe(channel);
      if (!live && !closed) {
        // Anything cached while the subscription was down may have missed messages.
        reset('*');
        live = true;
        watchClusterSubscription();
      }
    } catch {
      // Not subscribed yet: stay not live; the next 'ready' tries again.
    } finally {
      subscribing = false;
    }
  };

  // A Cluster subscribes on a connection of its own to one node (ioredis's `ClusterSubscriber`). When that connection
  // ends, ioredis opens another to some node and subscribes again — and tells nobody: the Cluster emits nothing when
  // the node's pool connection was idle. A change published in between is lost while the feed would still look live.
  // So the feed watches the connection its subscription went to, and takes the loss as 'down' (reset, bypass, then
  // subscribe again, which lands on the new connection). `subscriber` is not public API: without it (another ioredis)
  // this watch is skipped and such a loss is bounded by `clientCacheTtl` alone, as before.
  let watched: EventEmitterLike | undefined;
  const lostClusterSubscription = () => {
    watched = undefined;
    down();
  };
  const watchClusterSubscription = () => {
    if (!subscriber.isCluster) return;
    const connection = (
      subscriber as unknown as { subscriber?: { getInstance?(): unknown } }
    ).subscriber?.getInstance?.() as EventEmitterLike | null | undefined;
    if (!connection || typeof connection.once !== 'function' || connection === watched) return;
    watched?.off('end', lostClusterSubscription);
    watched = connection;
    // Subscribed, but on a connection that has already ended: ioredis has moved on since.
    if (connection.status === 'end') return lostClusterSubscription();
    connection.once('end', lostClusterSubscription);
  };

  // Messages are `{sender} {change}`. A store drops its own cache entries when it writes; the echo of its own message
  // is skipped, so it does not evict (and re-read) what it has just written.
  const sender = randomUUID();
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const space = message.indexOf(' ');
    if (message.slice(0, space) !== sender) reset(message.slice(space + 1));
  });
  subscriber.on('ready', () => void up());
  for (const event of ['close', 'end', 'reconnecting', 'error', '-node', 'node error'])
    subscriber.on(event, down);
  if (subscriber.status === 'ready') void up();
  // A connection made with `lazyConnect` (duplicated from the caller's) waits for a first command; connect it now.
  else if (subscriber.status === 'wait') subscriber.connect().catch(() => {});

  return {
    get live() {
      return live && !closed;
    },
    get generation() {
      return generation;
    },
    on(listener) {
      listeners.push(listener);
    },
    async publish(message) {
      await client.publish(channel, `${sender} ${message}`);
    },
    async close() {
      if (closed) return;
      closed = true;
      live = false;
      if (retry) clearTimeout(retry);
      watched?.off('end', lostClusterSubscription);
      if (owned) subscriber.disconnect();
      else await subscriber.unsubscribe(channel).catch(() => {});
    },
  };
}
