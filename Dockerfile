# modelarts-autoscaler `run` without Lambda: one process scaling the config's pools every interval, state in
# a JSON file on a volume, health endpoints for probes, decision records on stdout as JSON lines.
#
#   docker build -t modelarts-autoscaler .
#   docker run -d --name autoscaler -v autoscaler-state:/var/lib/modelarts-autoscaler \
#     -v "$PWD/config.yaml:/config/config.yaml:ro" \
#     -e HUAWEICLOUD_SDK_AK -e HUAWEICLOUD_SDK_SK -e HUAWEICLOUD_SDK_SECURITY_TOKEN modelarts-autoscaler
#
# ONE replica per state volume: the file state does not span replicas (README "Running it in a container").
# test/container/dockerfile.test.ts checks this file's rules (pinned base, non-root user, entry point, volume,
# health check) against the build script and the code.

# Build: every dependency bundled into one ES module (scripts/build-container.ts), so the image carries no
# node_modules. Same Node as the runtime stage.
FROM node:22.23.3-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the `node` devDependency would download a second Node for nothing.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN node --import tsx scripts/build-container.ts /src/dist/container

FROM node:22.23.3-alpine
ENV NODE_ENV=production \
    AUTOSCALER_STATE_FILE=/var/lib/modelarts-autoscaler/state.json \
    AUTOSCALER_KILL_SWITCH_FILE=/var/lib/modelarts-autoscaler/kill-switch \
    AUTOSCALER_HEALTH_PORT=8080 \
    AUTOSCALER_HEALTH_HOST=0.0.0.0 \
    AUTOSCALER_JSON_LINES=true
COPY --from=build /src/dist/container/ /app/
# The state volume belongs to the unprivileged user; the code and the bundled example stay root's, read-only.
RUN mkdir -p /var/lib/modelarts-autoscaler /config && chown node:node /var/lib/modelarts-autoscaler
VOLUME /var/lib/modelarts-autoscaler
# ./config.yaml is read from here: mount yours as /config/config.yaml (or set AUTOSCALER_CONFIG). Without
# one, the bundled example (the emulator's pools, dry run) is used, with a note saying so.
WORKDIR /config
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.AUTOSCALER_HEALTH_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/modelarts-autoscaler.mjs"]
CMD ["run"]
