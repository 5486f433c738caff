-- CreateTable
CREATE TABLE "definition_version" (
    "id" BIGSERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "author" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "definition_version_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "definition_version_name_id_idx" ON "definition_version"("name", "id");

-- CreateIndex
CREATE INDEX "definition_version_hash_idx" ON "definition_version"("hash");

