# denytrace: one image for the api, worker and collector (`node dist/apps/<app>/src/main.js`) and the CLI.
FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY .swcrc ./
COPY apps ./apps
COPY libs ./libs
COPY bench ./bench
COPY bin ./bin
COPY tsconfig.json nest-cli.json ./
# `npm ci` runs the `prepare` script, which builds with SWC into dist/.
RUN npm ci && test -f dist/apps/api/src/main.js && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY package.json ./
RUN mkdir -p /var/lib/denytrace && chown node:node /var/lib/denytrace
USER node
ENV DENYTRACE_DATA_DIR=/var/lib/denytrace
EXPOSE 8080 8081
CMD ["node", "dist/apps/api/src/main.js"]
