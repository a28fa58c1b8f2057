# evalflow worker image (used by docker-compose.yml's `worker` service).
FROM node:20-slim

WORKDIR /app
ENV NODE_ENV=production

# Python for the math grader (math-verify, scripts/setup-math.sh): gsm8k and
# AIME answers are judged by it on the scoring worker.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*

COPY . .
# The host's node_modules/ and dist/ may be in the build context; rebuild both
# from the lock file so the image never carries host-built artifacts. Dev
# dependencies (TypeScript) are needed for the build, then pruned.
RUN rm -rf node_modules dist \
 && npm ci --include=dev \
 && npm run build \
 && npm prune --omit=dev \
 && bash scripts/setup-math.sh \
 && npm cache clean --force

CMD ["node", "bin/evalflow.js", "worker"]
