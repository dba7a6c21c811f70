-- The shared DDL of the SQL views: Flink SQL tables over the three topics (PROTOCOL sections 1, 2
-- and 4) and the two catalog tables (section 5). Every view in views/ runs after this file:
--
--   sql-client.sh -i sql/tables.sql -f sql/views/most-active-markets.sql
--
-- The connection settings below are the job's defaults (Kafka on localhost:9092, the catalog at
-- jdbc:postgresql://localhost:5432/catalog as postgres). For any other deployment, append
-- ALTER TABLE ... SET statements to a copy of this file; `bin/sql --print-init [options]` prints
-- that copy (see sql/README.md, "Pointing the views at a deployment").
--
-- A statement ends with ';' at the end of a line, as the SQL client reads files.

-- Windows and timestamps print in UTC, whatever the machine's time zone.
SET 'table.local-time-zone' = 'UTC';

-- A Kafka partition or a catalog table that goes quiet must not hold back event time: without
-- this, an idle partition of dead-letters keeps its windows open forever.
SET 'table.exec.source.idle-timeout' = '5 s';

-- The catalog tables pass from their snapshot to the stream of changes only after a checkpoint
-- completes (Flink CDC's incremental snapshot). Results of a query show at each checkpoint.
SET 'execution.checkpointing.interval' = '2 s';

-- PROTOCOL section 1. Event time is the feed's `ts`, or the Kafka record time when `ts` is absent
-- (it is optional). Records that are not JSON are skipped here; the job dead-letters them.
CREATE TABLE market_updates (
  marketId    STRING,
  eventId     STRING,
  seq         BIGINT,
  ts          BIGINT,
  status      STRING,
  selections  ARRAY<ROW<id STRING, price DOUBLE>>,
  record_time TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  event_time  AS COALESCE(TO_TIMESTAMP_LTZ(ts, 3), record_time),
  WATERMARK FOR event_time AS event_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'market-updates',
  'properties.bootstrap.servers' = 'localhost:9092',
  'properties.group.id' = 'marketcast-sql',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);

-- PROTOCOL section 2. Keyed by channel, so one channel's commands share a partition and their
-- offsets order them.
CREATE TABLE stream_commands (
  `type`        STRING,
  channelId     STRING,
  markets       ARRAY<STRING>,
  queryId       STRING,
  `query`       ROW<sport STRING, competition STRING, eventId STRING, inPlay BOOLEAN,
                    startsWithinMinutes INT>,
  oddsFormat    STRING,
  throttleMs    BIGINT,
  `since`       BIGINT,
  kafka_offset  BIGINT METADATA FROM 'offset' VIRTUAL,
  command_time  TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  WATERMARK FOR command_time AS command_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'stream-commands',
  'properties.bootstrap.servers' = 'localhost:9092',
  'properties.group.id' = 'marketcast-sql',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);

-- PROTOCOL section 4. A dead letter has no time of its own: the Kafka record time is its time.
CREATE TABLE dead_letters (
  source        STRING,
  `partition`   INT,
  `offset`      BIGINT,
  reason        STRING,
  payload       STRING,
  letter_time   TIMESTAMP_LTZ(3) METADATA FROM 'timestamp' VIRTUAL,
  WATERMARK FOR letter_time AS letter_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = 'dead-letters',
  'properties.bootstrap.servers' = 'localhost:9092',
  'properties.group.id' = 'marketcast-sql',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'json',
  'json.ignore-parse-errors' = 'true'
);

-- PROTOCOL section 5, read like the job reads it: a snapshot, then every committed change by
-- logical replication (pgoutput) through the publication that schema.sql creates. Each table
-- needs a replication slot of its own, and two queries running at once need different ones: a
-- slot outlives the query and keeps WAL until it is dropped (bin/sql drops its own on exit).
-- `changed_at` is the commit time of a change (0, i.e. 1970, for rows of the snapshot), so a
-- temporal join sees every snapshot row as valid from the start. The watermark is `changed_at`:
-- through the snapshot it stays at 1970, so no temporal join passes an update before the snapshot
-- is in; a quiet catalog turns idle (table.exec.source.idle-timeout) and then holds nothing back.
CREATE TABLE events (
  event_id     STRING,
  name         STRING,
  sport        STRING,
  competition  STRING,
  start_time   TIMESTAMP_LTZ(6),
  in_play      BOOLEAN,
  changed_at   TIMESTAMP_LTZ(3) METADATA FROM 'op_ts' VIRTUAL,
  PRIMARY KEY (event_id) NOT ENFORCED,
  WATERMARK FOR changed_at AS changed_at
) WITH (
  'connector' = 'postgres-cdc',
  'hostname' = 'localhost',
  'port' = '5432',
  'database-name' = 'catalog',
  'username' = 'postgres',
  'password' = '',
  'schema-name' = 'public',
  'table-name' = 'events',
  'slot.name' = 'marketcast_sql_events',
  'decoding.plugin.name' = 'pgoutput',
  'scan.incremental.snapshot.enabled' = 'true',
  'debezium.publication.name' = 'marketcast_catalog',
  'debezium.publication.autocreate.mode' = 'disabled'
);

CREATE TABLE markets (
  market_id    STRING,
  event_id     STRING,
  name         STRING,
  type         STRING,
  status       STRING,
  selections   STRING,
  changed_at   TIMESTAMP_LTZ(3) METADATA FROM 'op_ts' VIRTUAL,
  PRIMARY KEY (market_id) NOT ENFORCED,
  WATERMARK FOR changed_at AS changed_at
) WITH (
  'connector' = 'postgres-cdc',
  'hostname' = 'localhost',
  'port' = '5432',
  'database-name' = 'catalog',
  'username' = 'postgres',
  'password' = '',
  'schema-name' = 'public',
  'table-name' = 'markets',
  'slot.name' = 'marketcast_sql_markets',
  'decoding.plugin.name' = 'pgoutput',
  'scan.incremental.snapshot.enabled' = 'true',
  'debezium.publication.name' = 'marketcast_catalog',
  'debezium.publication.autocreate.mode' = 'disabled'
);
