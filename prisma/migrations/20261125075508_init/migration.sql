-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "system_check" (
    "id" VARCHAR(200) NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "worker" TEXT NOT NULL,
    "checked_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "system_check_pkey" PRIMARY KEY ("id")
);

