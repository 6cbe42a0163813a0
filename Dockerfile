# The Shop service as an image: compiled in a build stage, run by plain Node.js with production
# dependencies only. docker-compose.yml builds it and starts it beside PostgreSQL, Redis, RabbitMQ,
# Prometheus and Grafana (deploy/README.md). Configured by environment variables (src/config.ts).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the compiler needs none.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json knexfile.ts ./
COPY bin ./bin
COPY src ./src
COPY cli ./cli
COPY migrations ./migrations
COPY seeds ./seeds
COPY storefront ./storefront
COPY scripts/build-storefront.ts ./scripts/
# dist/: bin/server.js, bin/shopctl.js, src/, cli/, and the migrations and seeds as JavaScript,
# which src/db finds beside dist/src; dist/public: the storefront's bundle (esbuild, a build tool
# the runtime image does not install).
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Files stay root's; the service only reads them. It writes one place: the order archive
# (ARCHIVE_DIR), a directory node owns, which a volume mounted there inherits.
RUN mkdir -p /var/lib/shop/archive && chown node:node /var/lib/shop/archive
USER node
EXPOSE 3000
# /readyz answers 503 while PostgreSQL is unreachable; without Redis it is degraded, still 200.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Migrates at start-up (MIGRATE_ON_START); shopctl runs from the same image:
#   docker compose exec shop node dist/bin/shopctl.js --help
CMD ["node", "--enable-source-maps", "dist/bin/server.js"]
