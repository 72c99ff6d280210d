import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { loadServerConfiguration } from '../src/configuration.ts';
import { type RunningServer, startServer } from '../src/server.ts';

/** Debian's Chromium; `scripts/ensure-test-deps.mjs` installs it in CI. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// What Chromium needs to run as root in a container, and to stay off the network (TOOLCHAIN.md).
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium with its own profile folder, removed by `close()`; `javaScriptEnabled: false` for no-JS checks. */
export async function launchBrowser(
  options: { javaScriptEnabled?: boolean } = {},
): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'idsrv-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** One request the relying party received. */
export interface RpRequest {
  method: string;
  url: URL;
  body: string;
}

/**
 * A stand-in relying party on a free loopback port: it answers every request with a small page and records it, so
 * tests can see the authorization response, the post-logout redirect, the front-channel logout iframe and the
 * back-channel logout POST.
 */
export interface RelyingParty {
  origin: string;
  requests: RpRequest[];
  /** Resolves with the first recorded request on `path` (now or later). */
  waitFor(path: string, timeoutMs?: number): Promise<RpRequest>;
  close(): Promise<void>;
}

export async function startRelyingParty(): Promise<RelyingParty> {
  const requests: RpRequest[] = [];
  const waiters: { path: string; resolve: (r: RpRequest) => void }[] = [];
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server: Server = createServer(async (req, res) => {
    const entry = {
      method: req.method ?? 'GET',
      url: new URL(req.url ?? '/', origin),
      body: await read(req),
    };
    requests.push(entry);
    for (const w of waiters.splice(0)) {
      if (w.path === entry.url.pathname) w.resolve(entry);
      else waiters.push(w);
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      `<!DOCTYPE html><html lang="en"><title>RP</title><p>relying party: ${entry.url.pathname}</p></html>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    waitFor(path, timeoutMs = 5000) {
      const seen = requests.find((r) => r.url.pathname === path);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the relying party got no request on ${path}`)),
          timeoutMs,
        );
        waiters.push({
          path,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Starts the real server with a configuration written for this run: the relying party's loopback port is only
 * known now, and IdentityServer matches redirect URIs exactly (RFC 9700), port included, so the fixture is written at
 * test time rather than relaxing the matching.
 */
export async function startInteractiveServer(
  configuration: (rp: string) => Record<string, unknown>,
  rp: RelyingParty,
): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'idsrv-browser-'));
  const file = join(dir, 'appsettings.json');
  writeFileSync(file, JSON.stringify(configuration(rp.origin), null, 2));
  const loaded = await loadServerConfiguration(file);
  return startServer({
    definitions: loaded.definitions,
    configFile: file,
    testUsers: loaded.testUsers,
    port: 0,
    host: '127.0.0.1',
  });
}

const axeSource = readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules plus best practices) on the page and returns the violations. The
 * script is evaluated through the DevTools protocol, so the pages' strict CSP stays on.
 */
export async function accessibilityViolations(page: Page) {
  await page.evaluate(await axeSource);
  const { violations, passes } = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: object): Promise<{ violations: unknown[] }> } })
      .axe;
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return {
      violations: result.violations as { id: string; help: string; nodes: { html: string }[] }[],
      passes: (result as unknown as { passes: unknown[] }).passes.length,
    };
  });
  // An axe that checked nothing would pass anything.
  if (passes === 0) throw new Error('axe-core ran no check on the page');
  return violations;
}
