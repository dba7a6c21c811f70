-- Live updates with their sport, event and market names: the feed read like a trader's screen.
--
-- Every price of every update, joined with the catalog as it was at the update's event time
-- (event-time temporal joins: FOR SYSTEM_TIME AS OF): a market renamed or moved to another event
-- at 12:00 shows its old names on updates before 12:00 and the new ones after. An update whose
-- market the catalog does not know (yet) shows NULL names (LEFT JOIN). A row appears once both
-- sides' watermarks pass it: the feed's trails its newest `ts` by 5 s; the catalog's is its last
-- change, and a quiet catalog counts as idle after 10 s (below).
--
-- Reads: market_updates, markets, events. Result: append-only.

-- Longer than tables.sql's 5 s: the catalog's snapshot takes a few seconds to start, and were the
-- catalog idle before it arrived, the first updates would be joined with an empty catalog.
SET 'table.exec.source.idle-timeout' = '10 s';

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
