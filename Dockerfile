# evalflow worker image (used by docker-compose.yml's `worker` service).
FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production

COPY . .
# The host's node_modules/ and dist/ may be in the build context; rebuild both
# from the lock file so the image never carries host-built artifacts. Dev
# dependencies (TypeScript) are needed for the build, then pruned.
RUN rm -rf node_modules dist \
 && npm ci --include=dev \
 && npm run build \
 && npm prune --omit=dev \
 && npm cache clean --force

CMD ["node", "bin/evalflow.js", "worker"]
