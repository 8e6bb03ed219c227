# The service as deployed: TypeScript sources run by tsx (no build step), production
# dependencies only, as the unprivileged `node` user. One image for every ROLE (api, worker, all).

# Stage 1: production dependencies, installed from the lock file.
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# Stage 2: the runtime image.
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json openapi.yaml ./
COPY src ./src
COPY models ./models
COPY data ./data
# var/ holds trained models (and the embedded database when DATABASE_URL is not set). var/models
# exists in the image, owned by `node`, so a named volume mounted there starts writable by it.
RUN mkdir -p /app/var/models && chown -R node:node /app/var
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=32", "--heap-growing-percent=20", "--import", "tsx", "src/main.ts"]
