# Claude Flow API and worker image (docker-compose.yml runs it twice with different commands).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    CLAUDE_FLOW_DATA_DIR=/tmp/claude-flow
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
RUN npm ci --omit=dev --ignore-scripts=false && npm cache clean --force
COPY . .
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
