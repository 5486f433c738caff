-- CreateTable
CREATE TABLE "session" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "project" TEXT,
    "parent_id" TEXT,
    "status" TEXT NOT NULL,
    "status_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "last_activity_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "message_count" INTEGER NOT NULL DEFAULT 0,
    "input_tokens" INTEGER NOT NULL DEFAULT 0,
    "output_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DECIMAL(14,6) NOT NULL DEFAULT 0,

    CONSTRAINT "session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "session_message" (
    "id" BIGSERIAL NOT NULL,
    "session_id" TEXT NOT NULL,
    "no" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "provider" TEXT,
    "model" TEXT,
    "input_tokens" INTEGER NOT NULL DEFAULT 0,
    "output_tokens" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "session_checkpoint" (
    "id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "message_count" INTEGER NOT NULL,
    "conversation" JSONB NOT NULL,
    "memory" JSONB NOT NULL,
    "git_ref" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_checkpoint_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "session_status_last_activity_at_idx" ON "session"("status", "last_activity_at");

-- CreateIndex
CREATE INDEX "session_owner_last_activity_at_idx" ON "session"("owner", "last_activity_at");

-- CreateIndex
CREATE INDEX "session_project_idx" ON "session"("project");

-- CreateIndex
CREATE INDEX "session_message_session_id_active_position_idx" ON "session_message"("session_id", "active", "position");

-- CreateIndex
CREATE UNIQUE INDEX "session_message_session_id_no_key" ON "session_message"("session_id", "no");

-- CreateIndex
CREATE INDEX "session_checkpoint_session_id_created_at_idx" ON "session_checkpoint"("session_id", "created_at");

