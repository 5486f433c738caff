-- Which transaction last changed an entry's embedding or its model (set, cleared by a write,
-- re-embedded): each process's vector index (lib/memory/vector-index.ts) reads the entries changed
-- by transactions that had not ended at its previous read, so a late commit is never missed.
ALTER TABLE "memory_entry" ADD COLUMN "embedding_xid" xid8;

CREATE FUNCTION memory_embedding_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.embedding IS NOT NULL THEN NEW.embedding_xid := pg_current_xact_id(); END IF;
  ELSIF NEW.embedding IS DISTINCT FROM OLD.embedding OR NEW.embedding_model IS DISTINCT FROM OLD.embedding_model THEN
    NEW.embedding_xid := pg_current_xact_id();
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER memory_embedding_touch BEFORE INSERT OR UPDATE OF embedding, embedding_model ON "memory_entry"
  FOR EACH ROW EXECUTE FUNCTION memory_embedding_touch();

UPDATE "memory_entry" SET "embedding_xid" = pg_current_xact_id() WHERE "embedding" IS NOT NULL;

CREATE INDEX "memory_entry_embedding_xid_idx" ON "memory_entry"("embedding_xid");
