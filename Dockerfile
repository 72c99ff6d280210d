# syntax=docker/dockerfile:1
# The idsrv reference server (apps/server) and its CLI. From the repository root:
#   docker build -t idsrv .
#   docker run --rm -p 5000:5000 idsrv          # the sample configuration on the memory store
# compose.yaml runs it on Redis. Flags used here are checked against `idsrv serve --help` by
# apps/server/test/container.test.ts.

FROM node:20-bookworm-slim AS build
# pnpm exactly as the repository pins it (corepack's signature check fails for it; see the toolchain notes).
RUN npm install -g pnpm@12.4.2
# CI=true: pnpm never stops to ask a question (there is no terminal in a build).
ENV CI=true
WORKDIR /app
# Only the lockfile decides what is downloaded, so this layer stays cached while sources change (`pnpm fetch`).
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
# `pnpm deploy --prod`: the server with its production dependencies only, the workspace packages copied in (not
# linked), so that their peer dependencies (oidc-provider, ioredis) resolve; a plain `pnpm install --prod` of the
# workspace would leave them unresolvable. Deployed to apps/server so the command keeps the repository's path.
RUN pnpm install --offline --frozen-lockfile \
 && pnpm exec turbo run build --filter=@idsrv/server --output-logs=errors-only \
 && pnpm --filter @idsrv/server deploy --prod --offline /prod/apps/server

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Owned by root: read-only for the user the server runs as.
COPY --from=build /prod /app
# The configuration lives in /config (mount your own appsettings.json over the sample). The folder belongs to the
# server's user because, without --signing-keys, the development key file is created beside the configuration.
RUN mkdir /config && cp apps/server/appsettings.json /config/appsettings.json && chown -R node:node /config
USER node
EXPOSE 5000
# Liveness only (/healthz touches nothing); the slim image has no curl, so Node asks. /readyz is for load balancers.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains in-flight requests for up to --shutdown-timeout (10 s); give `docker stop -t` a little more.
STOPSIGNAL SIGTERM
CMD ["node", "apps/server/dist/cli.js", "serve", "--config", "/config/appsettings.json"]
