-- CreateTable
CREATE TABLE "memory_word_count" (
    "word" TEXT NOT NULL,
    "df" BIGINT NOT NULL DEFAULT 0,
    "key_df" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "memory_word_count_pkey" PRIMARY KEY ("word")
);

-- CreateTable
CREATE TABLE "memory_word_delta" (
    "id" BIGSERIAL NOT NULL,
    "word" TEXT NOT NULL,
    "df" BIGINT NOT NULL,
    "key_df" BIGINT NOT NULL,

    CONSTRAINT "memory_word_delta_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "memory_word_delta_word_df_key_df_idx" ON "memory_word_delta"("word", "df", "key_df");


-- Written by hand: what Prisma cannot express.
-- Word counts for the text ranking (see memory_word_count in schema.prisma). The triggers on
-- memory_entry only ever insert into memory_word_delta, so concurrent writers never wait on each
-- other's counts, and every statement's deltas commit or roll back with it. memory_word_fold()
-- adds the deltas into memory_word_count; one fold runs at a time (an advisory lock: a second
-- folder skips), only in READ COMMITTED (a fold in an older snapshot could miss a concurrent one).
-- Writers fold now and then (one statement in 50), and memory maintenance folds on each run.
CREATE FUNCTION memory_word_fold() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  folded bigint;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' OR NOT pg_try_advisory_xact_lock(8217350561) THEN
    RETURN 0;
  END IF;
  WITH gone AS (DELETE FROM memory_word_delta RETURNING word, df, key_df),
       sums AS (SELECT word, sum(df) AS df, sum(key_df) AS key_df FROM gone GROUP BY word)
  INSERT INTO memory_word_count AS c (word, df, key_df)
  SELECT word, df, key_df FROM sums ORDER BY word
  ON CONFLICT (word) DO UPDATE SET df = c.df + EXCLUDED.df, key_df = c.key_df + EXCLUDED.key_df;
  GET DIAGNOSTICS folded = ROW_COUNT;
  RETURN folded;
END $$;

-- Per writing statement: the word list gains the new words (as before; words already listed are
-- skipped before the insert, so a writer never waits on another's row), and memory_word_delta
-- gains, per lexeme, the change in entries holding it (df: anywhere, key_df: in key or tags;
-- the empty word: entries).
CREATE OR REPLACE FUNCTION memory_word_collect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO memory_word (word)
    SELECT DISTINCT w FROM new_entries n, unnest(tsvector_to_array(n.search_vector)) AS w
     WHERE length(w) BETWEEN 3 AND 40 AND w ~ '^[[:alpha:]][[:alpha:]''-]*$'
       AND NOT EXISTS (SELECT 1 FROM memory_word m WHERE m.word = w)
     ORDER BY w
    ON CONFLICT (word) DO NOTHING;
    INSERT INTO memory_word_delta (word, df, key_df)
    SELECT word, sum(df), sum(key_df) FROM (
      SELECT w AS word, 1 AS df, 0 AS key_df FROM new_entries n, unnest(tsvector_to_array(n.search_vector)) AS w
      UNION ALL SELECT w, 0, 1 FROM new_entries n, unnest(tsvector_to_array(n.key_tags_vector)) AS w
      UNION ALL SELECT '', count(*), 0 FROM new_entries) d
    GROUP BY word HAVING sum(df) <> 0 OR sum(key_df) <> 0;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO memory_word (word)
    SELECT DISTINCT w FROM new_entries n JOIN old_entries o USING (id), unnest(tsvector_to_array(n.search_vector)) AS w
     WHERE n.search_vector IS DISTINCT FROM o.search_vector
       AND length(w) BETWEEN 3 AND 40 AND w ~ '^[[:alpha:]][[:alpha:]''-]*$'
       AND NOT EXISTS (SELECT 1 FROM memory_word m WHERE m.word = w)
     ORDER BY w
    ON CONFLICT (word) DO NOTHING;
    INSERT INTO memory_word_delta (word, df, key_df)
    SELECT word, sum(df), sum(key_df) FROM (
      SELECT n.search_vector AS nv, n.key_tags_vector AS nk, o.search_vector AS ov, o.key_tags_vector AS ok
        FROM new_entries n JOIN old_entries o USING (id)
       WHERE n.search_vector IS DISTINCT FROM o.search_vector OR n.key_tags_vector IS DISTINCT FROM o.key_tags_vector
    ) c CROSS JOIN LATERAL (
      SELECT w AS word, 1 AS df, 0 AS key_df FROM unnest(tsvector_to_array(c.nv)) AS w
      UNION ALL SELECT w, 0, 1 FROM unnest(tsvector_to_array(c.nk)) AS w
      UNION ALL SELECT w, -1, 0 FROM unnest(tsvector_to_array(c.ov)) AS w
      UNION ALL SELECT w, 0, -1 FROM unnest(tsvector_to_array(c.ok)) AS w) d
    GROUP BY word HAVING sum(df) <> 0 OR sum(key_df) <> 0;
  ELSE
    INSERT INTO memory_word_delta (word, df, key_df)
    SELECT word, sum(df), sum(key_df) FROM (
      SELECT w AS word, -1 AS df, 0 AS key_df FROM old_entries o, unnest(tsvector_to_array(o.search_vector)) AS w
      UNION ALL SELECT w, 0, -1 FROM old_entries o, unnest(tsvector_to_array(o.key_tags_vector)) AS w
      UNION ALL SELECT '', -count(*), 0 FROM old_entries) d
    GROUP BY word HAVING sum(df) <> 0 OR sum(key_df) <> 0;
  END IF;
  IF random() < 0.02 THEN
    PERFORM memory_word_fold();
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "memory_word_on_delete" AFTER DELETE ON "memory_entry"
  REFERENCING OLD TABLE AS old_entries FOR EACH STATEMENT EXECUTE FUNCTION memory_word_collect();

-- TRUNCATE empties memory: every count is 0 again.
CREATE FUNCTION memory_word_reset() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE memory_word_delta;
  TRUNCATE memory_word_count;
  RETURN NULL;
END $$;
CREATE TRIGGER "memory_word_on_truncate" AFTER TRUNCATE ON "memory_entry"
  FOR EACH STATEMENT EXECUTE FUNCTION memory_word_reset();

-- The counts of the entries already stored.
INSERT INTO memory_word_count (word, df, key_df)
SELECT word, COALESCE(a.ndoc, 0), COALESCE(k.ndoc, 0)
  FROM ts_stat('SELECT search_vector FROM memory_entry WHERE search_vector IS NOT NULL') a
  FULL JOIN ts_stat('SELECT key_tags_vector FROM memory_entry') k USING (word);
INSERT INTO memory_word_count (word, df, key_df) SELECT '', count(*), 0 FROM memory_entry;
