-- Embedded entries that were deleted (by a delete, a namespace clear, expiry or a move), with the
-- deleting transaction's id: each process's vector index reads them like embedding changes and
-- drops them. Memory maintenance deletes rows older than a day.
CREATE TABLE "memory_embedding_gone" (
    "id" BIGINT NOT NULL,
    "xid" xid8 NOT NULL DEFAULT pg_current_xact_id(),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "memory_embedding_gone_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "memory_embedding_gone_xid_idx" ON "memory_embedding_gone"("xid");
CREATE INDEX "memory_embedding_gone_created_at_idx" ON "memory_embedding_gone"("created_at");

CREATE FUNCTION memory_embedding_gone_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO memory_embedding_gone (id) SELECT g.id FROM gone g WHERE g.embedding_xid IS NOT NULL
    ON CONFLICT (id) DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER memory_embedding_gone_note AFTER DELETE ON "memory_entry"
  REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION memory_embedding_gone_note();
