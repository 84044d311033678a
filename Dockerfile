# syntax=docker/dockerfile:1
# One image for every role (ROLES=ingest | processor | query, or all three) and for the
# `clickstream` CLI (migrate, loadgen). Build: docker build -t clickstream .
ARG NODE_IMAGE=node:22.22.0-bookworm-slim

# --- build: all dependencies, compile TypeScript (and the tracker/dashboard when the build makes them)
FROM ${NODE_IMAGE} AS build
# better-sqlite3 is a native addon. npm fetches a prebuilt binary when one matches; these tools
# compile it from source when none does. The runtime stage uses the same Debian release and Node,
# so the compiled addon loads there.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Fixes to dependencies applied by the postinstall script (patch-package); see patches/README.md.
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && mkdir -p tracker/dist web/dist \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: production dependencies and compiled code only, as an unprivileged user
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="Clickstream" \
      org.opencontainers.image.description="Self-hostable, real-time clickstream analytics" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build --chown=root:root /app/package.json ./
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/tracker/dist ./tracker/dist
COPY --from=build --chown=root:root /app/web/dist ./web/dist
# The code is root-owned and read-only to the service user; only DATA_DIR (embedded SQLite files
# and the visitor salt when none is configured) is writable.
RUN ln -s /app/dist/src/cli/clickstream.js /usr/local/bin/clickstream \
 && chmod 0755 /app/dist/src/cli/clickstream.js \
 && mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# Liveness only: readiness (/readyz) depends on Kafka and Cassandra, and an orchestrator that
# restarts on it would restart every process during a dependency's outage.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
