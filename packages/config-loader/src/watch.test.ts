import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SERVICE_CLIENT, tempConfig } from '../test/helpers.ts';
import type { LoadedConfiguration } from './load.ts';
import { type ConfigurationWatcher, watchConfiguration } from './watch.ts';

const settings = (lifetime: number | string) =>
  JSON.stringify(
    { IdentityServer: { Clients: [{ ...SERVICE_CLIENT, AccessTokenLifetime: lifetime }] } },
    null,
    2,
  );

const watchers: ConfigurationWatcher[] = [];
afterEach(() => {
  for (const w of watchers.splice(0)) w.close();
});

/** Starts a watch on a fresh directory and records what it hands over. */
async function start(files: Record<string, string>, environment?: string) {
  const dir = tempConfig(files);
  const changes: LoadedConfiguration[] = [];
  const errors: unknown[] = [];
  const watcher = watchConfiguration(
    { file: join(dir, 'appsettings.json'), environment, env: {}, debounceMs: 20 },
    (config) => changes.push(config),
    (error) => errors.push(error),
  );
  watchers.push(watcher);
  await watcher.ready;
  return { dir, watcher, changes, errors };
}

const lifetime = (config: LoadedConfiguration | undefined) => config?.clients[0]?.accessTokenLifetime;

describe('watchConfiguration', () => {
  it('keeps the last good configuration across an invalid edit, and swaps to the next valid one', async () => {
    const { dir, watcher, changes, errors } = await start({ 'appsettings.json': settings(100) });
    expect(changes.map(lifetime)).toEqual([100]);
    expect(lifetime(watcher.current)).toBe(100);

    writeFileSync(join(dir, 'appsettings.json'), settings(0));
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 5_000, interval: 10 });
    expect(errors[0]).toMatchObject({
      code: 'ERR_CONFIG_INVALID',
      problems: [expect.objectContaining({ path: 'IdentityServer.Clients[0].AccessTokenLifetime' })],
    });
    expect(changes).toHaveLength(1);
    expect(lifetime(watcher.current)).toBe(100);

    writeFileSync(join(dir, 'appsettings.json'), settings(200));
    await vi.waitFor(() => expect(changes).toHaveLength(2), { timeout: 5_000, interval: 10 });
    expect(lifetime(changes[1])).toBe(200);
    expect(lifetime(watcher.current)).toBe(200);
    expect(errors).toHaveLength(1);
  });

  it('notices a file replaced by rename, as editors save, and a change to the environment overlay', async () => {
    const { dir, watcher, changes } = await start(
      { 'appsettings.json': settings(100), 'appsettings.Development.json': '{}' },
      'Development',
    );
    writeFileSync(join(dir, 'appsettings.json.tmp'), settings(300));
    renameSync(join(dir, 'appsettings.json.tmp'), join(dir, 'appsettings.json'));
    await vi.waitFor(() => expect(lifetime(watcher.current)).toBe(300), { timeout: 5_000, interval: 10 });

    writeFileSync(
      join(dir, 'appsettings.Development.json'),
      JSON.stringify({ IdentityServer: { Clients: [{ AccessTokenLifetime: 60 }] } }),
    );
    await vi.waitFor(() => expect(lifetime(watcher.current)).toBe(60), { timeout: 5_000, interval: 10 });
    expect(changes.map(lifetime)).toEqual([100, 300, 60]);
  });

  it('an invalid file at start is reported, and the first valid edit is handed over', async () => {
    const { dir, watcher, changes, errors } = await start({ 'appsettings.json': '{ "IdentityServer": ' });
    expect(errors).toMatchObject([{ code: 'ERR_CONFIG_INVALID' }]);
    expect(watcher.current).toBeUndefined();

    writeFileSync(join(dir, 'appsettings.json'), settings(100));
    await vi.waitFor(() => expect(changes).toHaveLength(1), { timeout: 5_000, interval: 10 });
    expect(lifetime(watcher.current)).toBe(100);
  });

  it('other files in the directory, and saves that change nothing, are ignored; close stops it', async () => {
    const { dir, watcher, changes, errors } = await start({ 'appsettings.json': settings(100) });
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    writeFileSync(join(dir, 'appsettings.json'), settings(100));
    // A change that must come after the ones above proves they were seen and dropped.
    writeFileSync(join(dir, 'appsettings.json'), settings(150));
    await vi.waitFor(() => expect(changes).toHaveLength(2), { timeout: 5_000, interval: 10 });

    watcher.close();
    writeFileSync(join(dir, 'appsettings.json'), settings(0));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(changes.map(lifetime)).toEqual([100, 150]);
    expect(errors).toEqual([]);
  });
});
