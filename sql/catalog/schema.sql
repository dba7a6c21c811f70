-- The catalog database of marketcast (PROTOCOL section 5): the events and markets the odds job
-- enriches every market with, read by change data capture (Flink CDC, logical replication).
--
-- Needs a PostgreSQL started with wal_level=logical. Load it with
--   psql -d catalog -v ON_ERROR_STOP=1 -f sql/catalog/schema.sql
-- Plain statements only (no psql meta-commands), so a JDBC client can run the file as one string.

CREATE TABLE events (
  event_id    text PRIMARY KEY,
  name        text NOT NULL,
  sport       text NOT NULL,
  competition text,
  start_time  timestamptz NOT NULL,
  in_play     boolean NOT NULL DEFAULT false);

CREATE TABLE markets (
  market_id   text PRIMARY KEY,
  event_id    text NOT NULL REFERENCES events,
  name        text NOT NULL,
  type        text,
  status      text NOT NULL DEFAULT 'OPEN'        -- OPEN | SUSPENDED | CLOSED
              CHECK (status IN ('OPEN', 'SUSPENDED', 'CLOSED')),
  selections  jsonb NOT NULL DEFAULT '[]');       -- [{"id":"home","name":"Arsenal"}, ...]

-- the join of the job is keyed by event: "every market of this event"
CREATE INDEX markets_event_id ON markets (event_id);

-- An UPDATE then carries the whole row before it, not only the key, so a change that moves a
-- market to another event tells which event it left.
ALTER TABLE events REPLICA IDENTITY FULL;
ALTER TABLE markets REPLICA IDENTITY FULL;

-- What the job reads (--catalog-publication, default marketcast_catalog). Limited to the two
-- tables: FOR ALL TABLES would need a superuser and would decode every other table too. The job
-- creates it when it is missing; creating it here lets the job run as a user without CREATE on
-- the database.
CREATE PUBLICATION marketcast_catalog FOR TABLE events, markets;
