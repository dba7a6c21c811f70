-- Most active markets: which markets got the most updates in each minute?
--
-- Counts the updates of every market per one-minute tumbling window of event time and keeps the
-- five busiest of each window (ties broken by market id). A window's rows appear once its minute
-- has passed in event time (the watermark trails the newest `ts` by 5 s), and never change.
-- Change INTERVAL '1' MINUTE or `rownum <= 5` to ask for other windows or another N.
--
-- Reads: market_updates. Result: append-only.

SELECT window_start, window_end, marketId, updates, rownum AS `rank`
FROM (
  SELECT *,
    ROW_NUMBER() OVER (
      PARTITION BY window_start, window_end
      ORDER BY updates DESC, marketId) AS rownum
  FROM (
    SELECT window_start, window_end, marketId, COUNT(*) AS updates
    FROM TABLE(TUMBLE(TABLE market_updates, DESCRIPTOR(event_time), INTERVAL '1' MINUTE))
    WHERE marketId IS NOT NULL
    GROUP BY window_start, window_end, marketId))
WHERE rownum <= 5;
