-- Connection settings of the docker-compose stack, applied after sql/tables.sql (the compose
-- sql-client service concatenates the two into its init file). Written by:
--   bin/sql --print-init --bootstrap-servers kafka:9092 --catalog-url jdbc:postgresql://postgres:5432/catalog \
--     --catalog-user postgres --catalog-password marketcast --catalog-slot marketcast_sql_compose

ALTER TABLE market_updates SET (
  'topic' = 'market-updates',
  'properties.bootstrap.servers' = 'kafka:9092',
  'scan.startup.mode' = 'earliest-offset');

ALTER TABLE stream_commands SET (
  'topic' = 'stream-commands',
  'properties.bootstrap.servers' = 'kafka:9092',
  'scan.startup.mode' = 'earliest-offset');

ALTER TABLE dead_letters SET (
  'topic' = 'dead-letters',
  'properties.bootstrap.servers' = 'kafka:9092',
  'scan.startup.mode' = 'earliest-offset');

ALTER TABLE events SET (
  'hostname' = 'postgres',
  'port' = '5432',
  'database-name' = 'catalog',
  'username' = 'postgres',
  'password' = 'marketcast',
  'slot.name' = 'marketcast_sql_compose_events',
  'debezium.publication.name' = 'marketcast_catalog');

ALTER TABLE markets SET (
  'hostname' = 'postgres',
  'port' = '5432',
  'database-name' = 'catalog',
  'username' = 'postgres',
  'password' = 'marketcast',
  'slot.name' = 'marketcast_sql_compose_markets',
  'debezium.publication.name' = 'marketcast_catalog');

