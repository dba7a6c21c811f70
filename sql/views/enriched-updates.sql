-- Live updates with their sport, event and market names: the feed read like a trader's screen.
--
-- Every price of every update, joined with the catalog as it was at the update's event time
-- (event-time temporal joins: FOR SYSTEM_TIME AS OF): a market renamed or moved to another event
-- at 12:00 shows its old names on updates before 12:00 and the new ones after .
-- An update whose market the catalog does not know shows NULL names (LEFT JOIN). A row appears
-- once the feed's watermark passes it, about 5 s behind the newest `ts`, and not before the
-- catalog's snapshot is in and each catalog table has changed since, or been quiet for 20 s.
--
-- Reads: market_updates, markets, events. Result: append-only.

-- One reader per catalog table: the snapshot and the change stream then come through the same
-- reader. With more, a reader that gets only the change stream has no watermark until the
-- catalog's first change, and holds the joins back until then.
SET 'table.exec.resource.default-parallelism' = '1';

-- After its snapshot a quiet catalog holds the joins back until it turns idle (tables.sql). Longer
-- than the 5 s there: a CDC source takes seconds to start, and a catalog idle before its snapshot
-- arrived would let the first updates through with no names.
SET 'table.exec.source.idle-timeout' = '20 s';

CREATE TEMPORARY VIEW update_prices AS
SELECT u.event_time, u.marketId, u.seq, u.status, s.id AS selectionId, s.price
FROM market_updates AS u
CROSS JOIN UNNEST(u.selections) AS s (id, price)
WHERE u.marketId IS NOT NULL;

CREATE TEMPORARY VIEW update_markets AS
SELECT p.*, m.name AS market, m.event_id
FROM update_prices AS p
LEFT JOIN markets FOR SYSTEM_TIME AS OF p.event_time AS m
  ON p.marketId = m.market_id;

SELECT
  u.event_time,
  e.sport,
  e.competition,
  e.name AS event,
  u.marketId,
  u.market,
  u.selectionId,
  u.price,
  u.seq
FROM update_markets AS u
LEFT JOIN events FOR SYSTEM_TIME AS OF u.event_time AS e
  ON u.event_id = e.event_id;
