# syntax=docker/dockerfile:1
# The peakdrill image: the CLI with every package built (agent, controller + dashboard, the
# reference stack). Multi-stage: the build stage has the dev toolchain; the runtime stage has
# production dependencies and compiled dist/ only, and runs as the unprivileged `node` user.
#   docker build -t peakdrill .
#   docker run --rm --init peakdrill agent --nats nats://nats.internal:4222
# Validate without an engine: deploy/check.sh (docs/distributed.md, "Checking the deploy files").

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------- build
FROM ${NODE_IMAGE} AS build
WORKDIR /src
# manifests first, so the dependency layer is reused while only sources change
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY packages/engine/package.json packages/engine/
COPY packages/controller/package.json packages/controller/
COPY packages/dashboard/package.json packages/dashboard/
COPY packages/stack/package.json packages/stack/
COPY packages/cli/package.json packages/cli/
# --ignore-scripts: the root `prepare` (tsc -b) needs the sources, which come next
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.base.json ./
COPY packages/ packages/
RUN npx tsc -b

# ---------------------------------------------------------------- runtime
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY packages/core/package.json packages/core/
COPY packages/engine/package.json packages/engine/
COPY packages/controller/package.json packages/controller/
COPY packages/dashboard/package.json packages/dashboard/
COPY packages/stack/package.json packages/stack/
COPY packages/cli/package.json packages/cli/
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force
COPY --from=build /src/packages/core/dist packages/core/dist
COPY --from=build /src/packages/engine/dist packages/engine/dist
COPY --from=build /src/packages/controller/dist packages/controller/dist
COPY --from=build /src/packages/dashboard/dist packages/dashboard/dist
COPY --from=build /src/packages/stack/dist packages/stack/dist
COPY --from=build /src/packages/cli/dist packages/cli/dist
COPY packages/cli/bin packages/cli/bin
COPY packages/dashboard/assets packages/dashboard/assets
COPY scenarios scenarios
RUN chmod 0755 packages/cli/bin/peakdrill.js \
 && ln -s /app/packages/cli/bin/peakdrill.js /usr/local/bin/peakdrill \
 && mkdir -p /data \
 && chown node:node /data
# runs/ and the embedded store live under /data (mount a volume there)
WORKDIR /data
USER node
ENTRYPOINT ["peakdrill"]
CMD ["--help"]
