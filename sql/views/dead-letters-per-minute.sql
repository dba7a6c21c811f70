-- Dead letters per reason per minute: what is wrong with the input, and how much of it?
--
-- Counts the records the job rejected (PROTOCOL section 4) per one-minute tumbling window of the
-- dead letter's Kafka record time, per source topic (or catalog table) and reason. A window's rows
-- appear once its minute has passed (5 s of allowed lateness), and never change.
--
-- Reads: dead_letters. Result: append-only.

SELECT window_start, window_end, source, reason, COUNT(*) AS letters
FROM TABLE(TUMBLE(TABLE dead_letters, DESCRIPTOR(letter_time), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, source, reason;
