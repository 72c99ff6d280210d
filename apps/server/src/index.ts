export { loadServerConfiguration, type ServerConfiguration } from './configuration.ts';
export { type RunningServer, type ServerOptions, startServer } from './server.ts';
