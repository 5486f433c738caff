-- AlterTable
ALTER TABLE "session_message" ADD COLUMN     "context" JSONB;

-- CreateTable
CREATE TABLE "memory_word" (
    "word" TEXT NOT NULL,

    CONSTRAINT "memory_word_pkey" PRIMARY KEY ("word")
);


-- DropIndex
DROP INDEX "memory_entry_updated_at_idx";

-- CreateIndex
CREATE INDEX "memory_entry_updated_at_id_idx" ON "memory_entry"("updated_at", "id");

-- Written by hand: what Prisma cannot express.
-- Misspelt query words are matched against this word list by trigram similarity.
CREATE INDEX "memory_word_word_trgm_idx" ON "memory_word" USING GIN ("word" gin_trgm_ops);

-- The key and tags part of the search vector (as columns.ts builds it), stored and indexed on its
-- own: the text ranking finds the newest entries holding a common word in their key or tags without
-- reading every entry that holds it in its value. Generated, so every write keeps it (it is not in
-- schema.prisma: Prisma does not write it). array_to_string is only stable in general; on text[]
-- it is immutable.
CREATE FUNCTION memory_key_tags_vector(key text, tags text[]) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('english'::regconfig, regexp_replace(key, '[/_.:]+', ' ', 'g')), 'A') ||
         setweight(to_tsvector('english'::regconfig, array_to_string(tags, ' ')), 'B')
$$;
ALTER TABLE "memory_entry" ADD COLUMN "key_tags_vector" tsvector
  GENERATED ALWAYS AS (memory_key_tags_vector("key", "tags")) STORED;
CREATE INDEX "memory_entry_key_tags_vector_idx" ON "memory_entry" USING GIN ("key_tags_vector");

-- Every lexeme a written entry's search vector holds joins the word list, whatever wrote it (the
-- store, an import, a restore, a bulk load in SQL): one statement-level insert per writing
-- statement, words sorted (so concurrent writers lock in the same order), known words untouched.
-- Numbers, hashes and very long or short tokens are left out: nobody misspells them on purpose.
CREATE FUNCTION memory_word_collect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO memory_word (word)
    SELECT DISTINCT w FROM new_entries n, unnest(tsvector_to_array(n.search_vector)) AS w
     WHERE length(w) BETWEEN 3 AND 40 AND w ~ '^[[:alpha:]][[:alpha:]''-]*$'
     ORDER BY w
    ON CONFLICT (word) DO NOTHING;
  ELSE
    INSERT INTO memory_word (word)
    SELECT DISTINCT w FROM new_entries n JOIN old_entries o USING (id), unnest(tsvector_to_array(n.search_vector)) AS w
     WHERE n.search_vector IS DISTINCT FROM o.search_vector
       AND length(w) BETWEEN 3 AND 40 AND w ~ '^[[:alpha:]][[:alpha:]''-]*$'
     ORDER BY w
    ON CONFLICT (word) DO NOTHING;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "memory_word_on_insert" AFTER INSERT ON "memory_entry"
  REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION memory_word_collect();
CREATE TRIGGER "memory_word_on_update" AFTER UPDATE ON "memory_entry"
  REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION memory_word_collect();

-- The words of the entries already stored.
INSERT INTO memory_word (word)
SELECT DISTINCT w FROM memory_entry e, unnest(tsvector_to_array(e.search_vector)) AS w
 WHERE length(w) BETWEEN 3 AND 40 AND w ~ '^[[:alpha:]][[:alpha:]''-]*$'
ON CONFLICT (word) DO NOTHING;
