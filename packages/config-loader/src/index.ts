export { ConfigError, ConfigNotFoundError } from './errors.ts';
export { type AppsettingsJsonSchemaOptions, createAppsettingsJsonSchema } from './json-schema.ts';
export {
  type LoadConfigurationOptions,
  type LoadedConfiguration,
  type LoadedSections,
  loadConfiguration,
  type SectionSchemas,
} from './load.ts';
export { type ConfigProblem, formatProblem } from './problems.ts';
export { IDENTITY_SERVER_SECTION } from './section.ts';
export {
  type ConfigurationWatcher,
  type WatchConfigurationOptions,
  watchConfiguration,
} from './watch.ts';
