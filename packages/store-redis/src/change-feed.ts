import { randomUUID } from 'node:crypto';
import type { RedisConnection } from './redis-client.ts';
import { subscribe } from './subscription.ts';

/**
 * Invalidation of the instances' local caches over Redis pub/sub. A writer publishes on `channel` after each change
 * (`client:{id}` or `resources`); every instance's feed receives it and drops that entry.
 *
 * Pub/sub delivers at most once: a message sent while a subscriber is disconnected is lost. So caches are trusted
 * only while the subscription is live: `live` turns false (and listeners get `*`, drop everything) the moment the
 * subscriber connection closes, and true again only once it has re-subscribed ({@link subscribe}). While not live the
 * stores read through to Redis.
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
  /**
   * A connection to subscribe with; the feed then does not close it. @default one of the feed's own, closed by
   * `close()`: a duplicate of `client`, or for a Cluster a connection to one of its nodes (see {@link subscribe})
   */
  subscriber?: RedisConnection;
}

export function createChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const { client, channel } = options;
  const listeners: ((message: string) => void)[] = [];
  let generation = 0;
  const reset = (message: string) => {
    generation++;
    for (const listener of listeners) listener(message);
  };

  // Messages are `{sender} {change}`. A store drops its own cache entries when it writes; the echo of its own message
  // is skipped, so it does not evict (and re-read) what it has just written.
  const sender = randomUUID();
  const subscription = subscribe({
    client,
    channel,
    ...(options.subscriber ? { connection: options.subscriber } : {}),
    onMessage(message) {
      const space = message.indexOf(' ');
      if (message.slice(0, space) !== sender) reset(message.slice(space + 1));
    },
    // Anything cached while the subscription was down may have missed messages; and once it is lost, anything may
    // change unseen. (Both bump the generation, so a read begun before does not fill the cache after.)
    onLive: () => reset('*'),
    onLost: () => reset('*'),
  });

  return {
    get live() {
      return subscription.live;
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
    close: () => subscription.close(),
  };
}
