-- CreateTable
CREATE TABLE "ai_call" (
    "id" BIGSERIAL NOT NULL,
    "call_key" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "task" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "error_type" TEXT,
    "error_message" TEXT,
    "input_tokens" INTEGER NOT NULL DEFAULT 0,
    "output_tokens" INTEGER NOT NULL DEFAULT 0,
    "cache_read_tokens" INTEGER NOT NULL DEFAULT 0,
    "cache_write_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(14,6),
    "latency_ms" INTEGER NOT NULL DEFAULT 0,
    "session_id" TEXT,
    "workflow_id" TEXT,
    "workflow_type" TEXT,
    "response" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ai_call_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "live_event" (
    "id" BIGSERIAL NOT NULL,
    "channel" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "live_event_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ai_call_created_at_idx" ON "ai_call"("created_at");

-- CreateIndex
CREATE INDEX "ai_call_session_id_idx" ON "ai_call"("session_id");

-- CreateIndex
CREATE INDEX "ai_call_workflow_id_idx" ON "ai_call"("workflow_id");

-- CreateIndex
CREATE INDEX "ai_call_provider_model_idx" ON "ai_call"("provider", "model");

-- CreateIndex
CREATE UNIQUE INDEX "ai_call_call_key_attempt_key" ON "ai_call"("call_key", "attempt");

-- CreateIndex
CREATE INDEX "live_event_channel_id_idx" ON "live_event"("channel", "id");

-- CreateIndex
CREATE INDEX "live_event_created_at_idx" ON "live_event"("created_at");


-- A call's success is counted once, however many attempts it took (not expressible in Prisma).
CREATE UNIQUE INDEX "ai_call_success_once" ON "ai_call" ("call_key") WHERE outcome = 'success';
