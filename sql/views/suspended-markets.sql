-- Markets suspended right now, by the feed, by a trader in the catalog, or both.
--
-- The feed and the catalog each hold a status for a market, and the market shows the stricter
-- one (docs/protocol.md, "Status from two sources"): CLOSED if either side closed it, else
-- SUSPENDED if either side suspended it, else OPEN. The feed's status is the one of the market's
-- update with the highest `seq` that carries a status (an update without one keeps it, and the
-- job drops stale `seq`). A row appears when a market is suspended and leaves when both sides have
-- reopened it, or either has closed it.
--
-- Reads: market_updates, markets, events. Result: updating (a changing table).

CREATE TEMPORARY VIEW feed_status AS
SELECT marketId, status
FROM (
  SELECT marketId, status,
    ROW_NUMBER() OVER (PARTITION BY marketId ORDER BY seq DESC) AS rownum
  FROM market_updates
  WHERE marketId IS NOT NULL AND seq IS NOT NULL
    AND status IN ('OPEN', 'SUSPENDED', 'CLOSED'))
WHERE rownum = 1;

CREATE TEMPORARY VIEW market_status AS
SELECT
  COALESCE(f.marketId, m.market_id) AS market_id,
  m.event_id,
  m.name AS market,
  f.status AS feed_status,
  m.status AS catalog_status,
  CASE
    WHEN f.status = 'CLOSED' OR m.status = 'CLOSED' THEN 'CLOSED'
    WHEN f.status = 'SUSPENDED' OR m.status = 'SUSPENDED' THEN 'SUSPENDED'
    ELSE 'OPEN'
  END AS status
FROM feed_status AS f
FULL OUTER JOIN markets AS m ON f.marketId = m.market_id;

SELECT
  s.market_id,
  s.market,
  e.name AS event,
  e.sport,
  CASE
    WHEN s.feed_status = 'SUSPENDED' AND s.catalog_status = 'SUSPENDED' THEN 'feed and catalog'
    WHEN s.feed_status = 'SUSPENDED' THEN 'feed'
    ELSE 'catalog'
  END AS suspended_by
FROM market_status AS s
LEFT JOIN events AS e ON s.event_id = e.event_id
WHERE s.status = 'SUSPENDED';
