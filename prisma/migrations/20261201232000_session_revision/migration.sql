-- AlterTable
ALTER TABLE "session" ADD COLUMN     "revision" BIGINT NOT NULL DEFAULT 0;
