-- AlterTable
ALTER TABLE "memory_word" DROP CONSTRAINT "memory_word_pkey",
ADD COLUMN     "id" BIGSERIAL NOT NULL,
ADD CONSTRAINT "memory_word_pkey" PRIMARY KEY ("id");

-- CreateIndex
CREATE INDEX "memory_word_word_idx" ON "memory_word"("word");


-- Written by hand: what Prisma cannot express.
-- Writers never wait on each other's words. With a unique word list, a transaction adding a new
-- word waited for any other uncommitted transaction adding the same word; two transactions each
-- adding a word the other adds next (two bulk writes, two imports) deadlocked and one was aborted.
-- Now writers only insert (a word already listed, as committed, is skipped), and the fold, which
-- runs one at a time, deletes the extra copies of the words it folds. A copy's delta rows commit
-- with it, so the fold that takes the last copy's deltas sees every copy: no duplicate outlives it.
CREATE OR REPLACE FUNCTION memory_word_fold() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  folded bigint;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' OR NOT pg_try_advisory_xact_lock(8217350561) THEN
    RETURN 0;
  END IF;
  WITH gone AS (DELETE FROM memory_word_delta RETURNING word, df, key_df),
       sums AS (SELECT word, sum(df) AS df, sum(key_df) AS key_df FROM gone GROUP BY word),
       counted AS (
         INSERT INTO memory_word_count AS c (word, df, key_df)
         SELECT word, df, key_df FROM sums ORDER BY word
         ON CONFLICT (word) DO UPDATE SET df = c.df + EXCLUDED.df, key_df = c.key_df + EXCLUDED.key_df
         RETURNING 1),
       extra AS (
         DELETE FROM memory_word m USING sums s
          WHERE m.word = s.word AND EXISTS (SELECT 1 FROM memory_word o WHERE o.word = m.word AND o.id < m.id))
  SELECT count(*) INTO folded FROM counted;
  RETURN folded;
END $$;

CREATE OR REPLACE FUNCTION memory_word_collect() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO memory_word (word)
    SELECT DISTINCT w FROM new_entries n, unnest(tsvector_to_array(n.search_vector)) AS w
     WHERE length(w) BETWEEN 3 AND 40 AND w ~ '^[[:alpha:]][[:alpha:]''-]*$'
       AND NOT EXISTS (SELECT 1 FROM memory_word m WHERE m.word = w);
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
       AND NOT EXISTS (SELECT 1 FROM memory_word m WHERE m.word = w);
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
