import { formatProblem, type LoadedConfiguration, loadConfiguration } from '@idsrv/config-loader';
import { type Definitions, IdentityResources } from '@idsrv/model';
import { type TestUser, testUsersSectionSchema } from '@idsrv/users';
import { type LoggingSection, loggingSectionSchema } from './observability/log-level.ts';
import { type RedisSection, redisSectionSchema } from './redis-section.ts';

/**
 * The server's own configuration sections, bound beside `IdentityServer` with the same rules. (`@idsrv/users` loads no
 * oidc-provider, so `check` and `hash-secret` stay quiet on Node 20.)
 */
export const SERVER_SECTIONS = {
  TestUsers: testUsersSectionSchema,
  Redis: redisSectionSchema,
  Logging: loggingSectionSchema,
} as const;

/** What the server reads from its configuration file(s). */
export interface ServerConfiguration {
  file: string;
  issuerUri: string | undefined;
  definitions: Definitions;
  /** The `TestUsers` section (development users; empty when absent). */
  testUsers: TestUser[];
  /** The `Redis` section (`Url`, `KeyPrefix`, `Cluster`); undefined when absent. */
  redis: RedisSection;
  /** The `Logging` section (ASP.NET Core's; `LogLevel:Default` is read); undefined when absent. */
  logging: LoggingSection;
}

/**
 * Reads appsettings.json (+ the environment overlay + environment variables) through `@idsrv/config-loader`. When the
 * file defines no identity resources, the standard ones (openid, profile, email, phone, address) are used, as an
 * IdentityServer host usually adds them in code. Warnings go to stderr; problems throw `ConfigError` (the CLI prints
 * them and exits non-zero, so the server never starts half-configured).
 */
export async function loadServerConfiguration(
  file: string,
  environment?: string,
): Promise<ServerConfiguration> {
  const loaded = await loadConfiguration(serverLoadOptions(file, environment));
  for (const warning of loaded.warnings) console.warn(`warning: ${formatProblem(warning)}`);
  return toServerConfiguration(file, loaded);
}

/** The config-loader options `serve` reads with, shared by the first load and `--watch`'s reloads. */
export function serverLoadOptions(file: string, environment?: string) {
  return {
    file,
    environment,
    sections: SERVER_SECTIONS,
    defaultIdentityResources: [
      IdentityResources.OpenId(),
      IdentityResources.Profile(),
      IdentityResources.Email(),
      IdentityResources.Phone(),
      IdentityResources.Address(),
    ],
  };
}

/** A loaded configuration in the server's terms. */
export function toServerConfiguration(
  file: string,
  loaded: LoadedConfiguration<typeof SERVER_SECTIONS>,
): ServerConfiguration {
  return {
    file,
    issuerUri: loaded.issuerUri,
    definitions: {
      clients: loaded.clients,
      identityResources: loaded.identityResources,
      apiScopes: loaded.apiScopes,
      apiResources: loaded.apiResources,
    },
    testUsers: loaded.sections.TestUsers,
    redis: loaded.sections.Redis,
    logging: loaded.sections.Logging,
  };
}
