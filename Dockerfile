# Claude Flow API and worker image (docker-compose.yml runs it twice with different commands).
# The dashboard is built in its own stage, with the dev dependencies (Vite) the runtime image omits.
FROM node:20-bookworm-slim AS dashboard
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --ignore-scripts=false
COPY web ./web
RUN npm run build:web

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    CLAUDE_FLOW_DATA_DIR=/tmp/claude-flow
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --omit=dev --ignore-scripts=false && npm cache clean --force
COPY . .
COPY --from=dashboard /app/web/dist ./web/dist
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
