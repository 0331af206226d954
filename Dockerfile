# One image for every TypeScript service; docker-compose.yml picks the service by command.
#   docker build -t distillery .
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY packages ./packages
COPY services ./services
COPY proto ./proto
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production DISTILLERY_MODE=distributed DISTILLERY_HTTP_HOST=0.0.0.0
COPY --from=build /app /app
USER node
