-- CreateTable
CREATE TABLE "memory_entry" (
    "id" BIGSERIAL NOT NULL,
    "namespace" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value_type" TEXT NOT NULL,
    "value" BYTEA NOT NULL,
    "compressed" BOOLEAN NOT NULL DEFAULT false,
    "key_id" TEXT,
    "size" INTEGER NOT NULL,
    "stored_size" INTEGER NOT NULL,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "expires_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL,
    "session_id" TEXT,
    "workflow_id" TEXT,
    "user_id" TEXT,
    "search_vector" tsvector,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "memory_entry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "memory_entry_version" (
    "id" BIGSERIAL NOT NULL,
    "entry_id" BIGINT NOT NULL,
    "version" INTEGER NOT NULL,
    "value_type" TEXT NOT NULL,
    "value" BYTEA NOT NULL,
    "compressed" BOOLEAN NOT NULL DEFAULT false,
    "key_id" TEXT,
    "size" INTEGER NOT NULL,
    "stored_size" INTEGER NOT NULL,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "expires_at" TIMESTAMPTZ(3),
    "session_id" TEXT,
    "workflow_id" TEXT,
    "user_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "memory_entry_version_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "memory_entry_tags_idx" ON "memory_entry" USING GIN ("tags");

-- CreateIndex
CREATE INDEX "memory_entry_updated_at_idx" ON "memory_entry"("updated_at");

-- CreateIndex
CREATE INDEX "memory_entry_expires_at_idx" ON "memory_entry"("expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "memory_entry_namespace_key_key" ON "memory_entry"("namespace", "key");

-- CreateIndex
CREATE UNIQUE INDEX "memory_entry_version_entry_id_version_key" ON "memory_entry_version"("entry_id", "version");

-- AddForeignKey
ALTER TABLE "memory_entry_version" ADD CONSTRAINT "memory_entry_version_entry_id_fkey" FOREIGN KEY ("entry_id") REFERENCES "memory_entry"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Written by hand: what Prisma cannot express.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Tags are never null (Prisma lists have no NOT NULL); a sealed row is exactly one with a key id.
ALTER TABLE "memory_entry" ALTER COLUMN "tags" SET NOT NULL;
ALTER TABLE "memory_entry_version" ALTER COLUMN "tags" SET NOT NULL;
ALTER TABLE "memory_entry" ADD CONSTRAINT "memory_entry_value_type_check" CHECK ("value_type" IN ('json', 'text'));

-- Full-text search over the weighted vector (key A, tags B, value text C) the store maintains.
CREATE INDEX "memory_entry_search_vector_idx" ON "memory_entry" USING GIN ("search_vector");
-- Partial and fuzzy key matches (similarity, word_similarity, ILIKE).
CREATE INDEX "memory_entry_key_trgm_idx" ON "memory_entry" USING GIN ("key" gin_trgm_ops);
-- Namespace prefix filters (LIKE 'prefix%') whatever the database collation.
CREATE INDEX "memory_entry_namespace_prefix_idx" ON "memory_entry" ("namespace" text_pattern_ops, "key" text_pattern_ops);
