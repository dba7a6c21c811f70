-- Current subscriptions per market and per sport: what are subscribers watching right now?
--
-- Follows the command topic (PROTOCOL section 2) the way the job's channel registry does, for
-- subscriptions by market list: SUBSCRIBE adds the listed markets to the channel, UNSUBSCRIBE
-- removes them, DISCONNECT ends the channel and all its subscriptions. A channel's commands share
-- a Kafka partition (the key is the channel id), so their offsets order them: a pair (channel,
-- market) is held when its latest SUBSCRIBE or UNSUBSCRIBE is a SUBSCRIBE that came after the
-- channel's latest DISCONNECT. Markets the catalog has closed are left out.
--
-- Approximations (the job, not this view, is exact):
--   * channel expiry: a channel that sends no command for `channel-ttl` (10 min) is expired by
--     the job; here it stays counted until it sends DISCONNECT. Gateways send HEARTBEATs while a
--     subscriber is connected and DISCONNECT when it leaves, so this matters for dead clients only.
--   * query subscriptions (SUBSCRIBE with queryId) are not counted: which markets a query holds
--     depends on the catalog and on the clock (startsWithinMinutes), which the job evaluates.
--   * a market closed by the feed (not by the catalog) is still counted.
--
-- One row per sport and market, plus one per sport with market '(all)': `channels` is the number
-- of distinct channels, `subscriptions` the number of (channel, market) pairs. A market the
-- catalog does not know counts under sport '(not in catalog)'.
--
-- Reads: stream_commands, markets, events. Result: updating (a changing table).

CREATE TEMPORARY VIEW subscription_commands AS
SELECT c.channelId, l.marketId, c.`type`, c.kafka_offset
FROM stream_commands AS c
CROSS JOIN UNNEST(c.markets) AS l (marketId)
WHERE c.`type` IN ('SUBSCRIBE', 'UNSUBSCRIBE') AND c.channelId IS NOT NULL
  AND c.queryId IS NULL AND l.marketId IS NOT NULL;

CREATE TEMPORARY VIEW latest_subscription_commands AS
SELECT channelId, marketId, `type`, kafka_offset
FROM (
  SELECT *,
    ROW_NUMBER() OVER (PARTITION BY channelId, marketId ORDER BY kafka_offset DESC) AS rownum
  FROM subscription_commands)
WHERE rownum = 1;

CREATE TEMPORARY VIEW channel_ends AS
SELECT channelId, MAX(kafka_offset) AS ended_at
FROM stream_commands
WHERE `type` = 'DISCONNECT' AND channelId IS NOT NULL
GROUP BY channelId;

CREATE TEMPORARY VIEW current_subscriptions AS
SELECT s.channelId, s.marketId
FROM latest_subscription_commands AS s
LEFT JOIN channel_ends AS d ON s.channelId = d.channelId
WHERE s.`type` = 'SUBSCRIBE' AND (d.ended_at IS NULL OR d.ended_at < s.kafka_offset);

SELECT
  sport,
  CASE WHEN GROUPING(marketId) = 1 THEN '(all)' ELSE marketId END AS market,
  COUNT(DISTINCT channelId) AS channels,
  COUNT(*) AS subscriptions
FROM (
  SELECT COALESCE(e.sport, '(not in catalog)') AS sport, s.marketId, s.channelId
  FROM current_subscriptions AS s
  LEFT JOIN markets AS m ON s.marketId = m.market_id
  LEFT JOIN events AS e ON m.event_id = e.event_id
  WHERE m.status IS NULL OR m.status <> 'CLOSED')
GROUP BY GROUPING SETS ((sport, marketId), (sport));
