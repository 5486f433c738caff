-- AlterTable
ALTER TABLE "memory_entry" ADD COLUMN     "embedding" REAL[],
ADD COLUMN     "embedding_model" TEXT,
ADD COLUMN     "embedding_pending" BOOLEAN NOT NULL DEFAULT false;

-- CreateIndex
CREATE INDEX "memory_entry_embedding_pending_idx" ON "memory_entry"("embedding_pending");

