import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { type RedisConnection, type SubscriptionOptions, subscribe } from '../src/index.ts';
import { useRedisAndCluster } from './redis-servers.ts';

const redis = useRedisAndCluster();
let single: Redis;
let clustered: Cluster;

beforeAll(() => {
  single = new Redis(redis.server.url);
  clustered = new Cluster(redis.cluster.startupNodes);
});
afterAll(() => {
  for (const c of [single, clustered]) c?.disconnect();
});

/** A subscription to a fresh channel that records what it was told, in order. */
function record(client: RedisConnection, extra: Partial<SubscriptionOptions> = {}) {
  const channel = `sub:${randomUUID()}`;
  const events: string[] = [];
  const subscription = subscribe({
    client,
    channel,
    onMessage: (message) => events.push(`message ${message}`),
    onLive: () => events.push('live'),
    onLost: () => events.push('lost'),
    ...extra,
  });
  onTestFinished(() => subscription.close());
  const live = () => vi.waitFor(() => expect(subscription.live).toBe(true), { timeout: 10_000, interval: 5 });
  return { channel, events, subscription, live };
}

/** The nodes whose CLIENT LIST shows a connection in pub/sub mode. */
async function subscribedNodes(client: RedisConnection): Promise<Redis[]> {
  const nodes = client instanceof Cluster ? client.nodes('all') : [client as Redis];
  const lists = await Promise.all(nodes.map((node) => node.call('CLIENT', 'LIST') as Promise<string>));
  return nodes.filter((_, i) => / sub=1 /.test(lists[i]!));
}

describe.each([
  ['single node', () => single as RedisConnection],
  ['cluster', () => clustered as RedisConnection],
])('subscribe (%s)', (_name, connection) => {
  it('messages - published on the channel reach onMessage once it is live; other channels do not', async () => {
    const client = connection();
    const { channel, events, live } = record(client);
    await live();
    await client.publish(`${channel}:other`, 'no');
    await client.publish(channel, 'one');
    await vi.waitFor(() => expect(events).toEqual(['live', 'message one']), { timeout: 2000, interval: 5 });
  });

  it('loss - the subscribing connection killed: onLost at once, then onLive on a new connection, and messages flow again', async () => {
    const client = connection();
    const { channel, events, subscription, live } = record(client);
    await live();
    expect(await subscribedNodes(client)).toHaveLength(1);
    // On a Cluster this is the loss ioredis's own subscriber would have survived without a word.
    await Promise.all(
      (await subscribedNodes(client)).map((node) => node.call('CLIENT', 'KILL', 'TYPE', 'pubsub')),
    );
    await vi.waitFor(() => expect(events).toContain('lost'), { timeout: 2000, interval: 5 });
    expect(subscription.live).toBe(false);
    await live();
    expect(events).toEqual(['live', 'lost', 'live']);
    await client.publish(channel, 'again');
    await vi.waitFor(() => expect(events.at(-1)).toBe('message again'), { timeout: 2000, interval: 5 });
  });

  it('close - unsubscribes and closes the connection it opened: no message after, no pub/sub connection left', async () => {
    const client = connection();
    const { channel, events, subscription, live } = record(client);
    await live();
    await subscription.close();
    expect(subscription.live).toBe(false);
    await client.publish(channel, 'late');
    await vi.waitFor(async () => expect(await subscribedNodes(client)).toHaveLength(0), {
      timeout: 2000,
      interval: 10,
    });
    expect(events).toEqual(['live']);
  });
});

describe('subscribe on a Cluster not connected yet', () => {
  it('lazy Cluster - it knows no node yet: the subscription holds once the Cluster has connected', async () => {
    const lazy = new Cluster(redis.cluster.startupNodes, { lazyConnect: true });
    onTestFinished(() => lazy.disconnect());
    const { channel, events, subscription, live } = record(lazy);
    expect(lazy.nodes('all')).toHaveLength(0);
    expect(subscription.live).toBe(false);
    await lazy.connect();
    await live();
    await lazy.publish(channel, 'one');
    await vi.waitFor(() => expect(events).toEqual(['live', 'message one']), { timeout: 2000, interval: 5 });
  });
});

describe('subscribe on a given connection', () => {
  it('connection - used as it is; close() unsubscribes it and leaves it open', async () => {
    const mine = new Redis(redis.server.url);
    onTestFinished(() => mine.disconnect());
    const { channel, events, subscription, live } = record(single, { connection: mine });
    await live();
    await single.publish(channel, 'one');
    await vi.waitFor(() => expect(events).toEqual(['live', 'message one']), { timeout: 2000, interval: 5 });
    await subscription.close();
    await single.publish(channel, 'two');
    // Still connected, and out of pub/sub mode: an ordinary command works.
    expect(await mine.ping()).toBe('PONG');
    expect(events).toEqual(['live', 'message one']);
    expect(mine.listenerCount('message')).toBe(0);
  });
});
