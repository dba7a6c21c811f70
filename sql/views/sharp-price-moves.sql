-- Sharp price moves: which selections are shortening fast (the trading signal)?
--
-- Per market and selection, in event time: a run of updates in which the price never lengthens,
-- at least three updates long, within 5 minutes, whose last price is at least 10 % below its
-- first. Each run is reported once, when the fall first crosses the threshold; the next run starts
-- after it. A rise breaks a run. Only updates that list the selection count (PROTOCOL section 1:
-- updates are partial). Change the 5 minutes, 0.90 (a 10 % fall) or the `+` (one or more updates
-- between the first and the last) to tune the signal.
--
-- Reads: market_updates. Result: append-only.

CREATE TEMPORARY VIEW selection_prices AS
SELECT u.marketId, s.id AS selectionId, s.price, u.event_time
FROM market_updates AS u
CROSS JOIN UNNEST(u.selections) AS s (id, price)
WHERE u.marketId IS NOT NULL AND s.id IS NOT NULL AND s.price > 1.0;

SELECT *
FROM selection_prices
  MATCH_RECOGNIZE (
    PARTITION BY marketId, selectionId
    ORDER BY event_time
    MEASURES
      FIRST_PRICE.event_time AS started_at,
      SHARP.event_time AS detected_at,
      FIRST_PRICE.price AS from_price,
      SHARP.price AS to_price,
      CAST(ROUND((1 - SHARP.price / FIRST_PRICE.price) * 100, 1) AS DECIMAL(4, 1)) AS fall_pct,
      COUNT(SHORTER.price) + 2 AS updates
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (FIRST_PRICE SHORTER+? SHARP) WITHIN INTERVAL '5' MINUTE
    DEFINE
      -- LAST(v.price, 1), not PREV: Flink supports only logical offsets within a match
      SHORTER AS (LAST(SHORTER.price, 1) IS NULL AND SHORTER.price <= FIRST_PRICE.price)
        OR SHORTER.price <= LAST(SHORTER.price, 1),
      SHARP AS SHARP.price <= LAST(SHORTER.price) AND SHARP.price <= FIRST_PRICE.price * 0.90
  );
