-- A sample catalog for marketcast: 470 events of 11 competitions in 4 sports, and 3,020 markets
-- with named selections. Load it after schema.sql:
--   psql -d catalog -v ON_ERROR_STOP=1 -f sql/catalog/schema.sql -f sql/catalog/sample-data.sql
--
-- Deterministic: the same rows every time (no random()); only start times are relative to the
-- moment it is loaded, so that there are always events in play (every tenth), events starting
-- within the next two hours (every tenth), and events over the coming week.
-- Ids are contiguous: events e-1 .. e-470, markets m-1001 .. m-4020, the markets of one event in a
-- row. About one market in fifty is SUSPENDED; none is CLOSED.
-- Plain statements only (no psql meta-commands), so a JDBC client can run the file as one string.

CREATE TEMPORARY TABLE sample_competitions (
  ord          int PRIMARY KEY,
  sport        text NOT NULL,
  competition  text NOT NULL,
  events       int NOT NULL,
  sides        text[] NOT NULL);

INSERT INTO sample_competitions VALUES
  (1, 'football', 'Premier League', 60, ARRAY['Arsenal', 'Aston Villa', 'Bournemouth', 'Brentford',
    'Brighton', 'Chelsea', 'Crystal Palace', 'Everton', 'Fulham', 'Ipswich', 'Leicester',
    'Liverpool', 'Manchester City', 'Manchester United', 'Newcastle', 'Nottingham Forest',
    'Southampton', 'Tottenham', 'West Ham', 'Wolves']),
  (2, 'football', 'La Liga', 60, ARRAY['Alaves', 'Athletic Club', 'Atletico Madrid', 'Barcelona',
    'Celta Vigo', 'Espanyol', 'Getafe', 'Girona', 'Las Palmas', 'Leganes', 'Mallorca', 'Osasuna',
    'Rayo Vallecano', 'Real Betis', 'Real Madrid', 'Real Sociedad', 'Sevilla', 'Valencia',
    'Valladolid', 'Villarreal']),
  (3, 'football', 'Serie A', 60, ARRAY['Atalanta', 'Bologna', 'Cagliari', 'Como', 'Empoli',
    'Fiorentina', 'Genoa', 'Inter', 'Juventus', 'Lazio', 'Lecce', 'Milan', 'Monza', 'Napoli',
    'Parma', 'Roma', 'Torino', 'Udinese', 'Venezia', 'Verona']),
  (4, 'football', 'Bundesliga', 60, ARRAY['Augsburg', 'Bayer Leverkusen', 'Bayern Munich',
    'Bochum', 'Borussia Dortmund', 'Borussia Monchengladbach', 'Eintracht Frankfurt', 'Freiburg',
    'Heidenheim', 'Hoffenheim', 'Holstein Kiel', 'Mainz', 'RB Leipzig', 'St. Pauli', 'Stuttgart',
    'Union Berlin', 'Werder Bremen', 'Wolfsburg']),
  (5, 'football', 'Champions League', 60, ARRAY['Arsenal', 'Atletico Madrid', 'Barcelona',
    'Bayern Munich', 'Benfica', 'Borussia Dortmund', 'Celtic', 'Club Brugge', 'Feyenoord',
    'Inter', 'Juventus', 'Liverpool', 'Manchester City', 'Paris Saint-Germain', 'PSV',
    'Real Madrid']),
  (6, 'tennis', 'ATP Vienna', 20, ARRAY['Alcaraz', 'Sinner', 'Zverev', 'Medvedev', 'Fritz',
    'Ruud', 'Rublev', 'De Minaur', 'Dimitrov', 'Tsitsipas', 'Paul', 'Hurkacz', 'Shelton',
    'Humbert', 'Musetti', 'Draper']),
  (7, 'tennis', 'WTA Linz', 20, ARRAY['Sabalenka', 'Swiatek', 'Gauff', 'Paolini', 'Rybakina',
    'Pegula', 'Zheng', 'Navarro', 'Kasatkina', 'Krejcikova', 'Collins', 'Muchova', 'Vekic',
    'Svitolina', 'Ostapenko', 'Keys']),
  (8, 'tennis', 'ATP Paris', 20, ARRAY['Djokovic', 'Alcaraz', 'Sinner', 'Zverev', 'Medvedev',
    'Fritz', 'Ruud', 'Rune', 'Tiafoe', 'Khachanov', 'Auger-Aliassime', 'Baez', 'Cerundolo',
    'Tabilo', 'Machac', 'Mensik']),
  (9, 'basketball', 'NBA', 40, ARRAY['Boston Celtics', 'Denver Nuggets', 'Golden State Warriors',
    'Los Angeles Lakers', 'Milwaukee Bucks', 'Miami Heat', 'Dallas Mavericks', 'Phoenix Suns',
    'Philadelphia 76ers', 'New York Knicks', 'Oklahoma City Thunder', 'Minnesota Timberwolves',
    'Cleveland Cavaliers', 'Indiana Pacers', 'Sacramento Kings', 'Memphis Grizzlies']),
  (10, 'basketball', 'EuroLeague', 30, ARRAY['Real Madrid', 'Barcelona', 'Olympiacos',
    'Panathinaikos', 'Fenerbahce', 'Anadolu Efes', 'Monaco', 'Maccabi Tel Aviv', 'Zalgiris',
    'Partizan', 'Crvena Zvezda', 'Virtus Bologna', 'Olimpia Milano', 'Bayern Munich']),
  (11, 'ice hockey', 'NHL', 40, ARRAY['Boston Bruins', 'Colorado Avalanche', 'Dallas Stars',
    'Edmonton Oilers', 'Florida Panthers', 'New York Rangers', 'Toronto Maple Leafs',
    'Vegas Golden Knights', 'Winnipeg Jets', 'Carolina Hurricanes', 'Tampa Bay Lightning',
    'Vancouver Canucks', 'Los Angeles Kings', 'Nashville Predators']);

-- Market types per sport, in the order their markets are numbered within an event. kind says how
-- the selections are named: 1X2 (home/draw/away by side), HA (home/away by side), OU (over/under
-- of line), YN (yes/no), DC (double chance), HCP (handicap of line).
CREATE TEMPORARY TABLE sample_market_types (
  sport  text NOT NULL,
  ord    int NOT NULL,
  type   text NOT NULL,
  name   text NOT NULL,
  kind   text NOT NULL,
  line   text,
  PRIMARY KEY (sport, ord));

INSERT INTO sample_market_types VALUES
  ('football', 1, 'MATCH_ODDS', 'Match Odds', '1X2', NULL),
  ('football', 2, 'HALF_TIME', 'Half Time Result', '1X2', NULL),
  ('football', 3, 'OVER_UNDER_25', 'Over/Under 2.5 Goals', 'OU', '2.5 Goals'),
  ('football', 4, 'OVER_UNDER_15', 'Over/Under 1.5 Goals', 'OU', '1.5 Goals'),
  ('football', 5, 'OVER_UNDER_35', 'Over/Under 3.5 Goals', 'OU', '3.5 Goals'),
  ('football', 6, 'BTTS', 'Both Teams To Score', 'YN', NULL),
  ('football', 7, 'DOUBLE_CHANCE', 'Double Chance', 'DC', NULL),
  ('football', 8, 'DRAW_NO_BET', 'Draw No Bet', 'HA', NULL),
  ('tennis', 1, 'MATCH_WINNER', 'Match Winner', 'HA', NULL),
  ('tennis', 2, 'SET_1_WINNER', 'First Set Winner', 'HA', NULL),
  ('tennis', 3, 'TOTAL_GAMES', 'Total Games 22.5', 'OU', '22.5 Games'),
  ('basketball', 1, 'MONEYLINE', 'Moneyline', 'HA', NULL),
  ('basketball', 2, 'TOTAL_POINTS', 'Total Points 215.5', 'OU', '215.5 Points'),
  ('basketball', 3, 'HANDICAP', 'Handicap 5.5', 'HCP', '5.5'),
  ('basketball', 4, 'FIRST_HALF_MONEYLINE', 'First Half Moneyline', 'HA', NULL),
  ('ice hockey', 1, 'MONEYLINE', 'Moneyline', 'HA', NULL),
  ('ice hockey', 2, 'REGULATION_TIME', 'Regulation Time Result', '1X2', NULL),
  ('ice hockey', 3, 'TOTAL_GOALS', 'Total Goals 5.5', 'OU', '5.5 Goals'),
  ('ice hockey', 4, 'PUCK_LINE', 'Puck Line 1.5', 'HCP', '1.5');

-- Event k of a competition with n sides: home is side k mod n, away the side 1 + 7k mod (n - 1)
-- further on, so the pairs vary and a side never meets itself. Every tenth event is in play
-- (started 5 to 85 minutes ago), every tenth starts within two hours (10 to 125 minutes from now)
-- and the others from 45 minutes to a week from now. Every offset counts from the minute of
-- loading, so each event is the same distance from now() whenever the file is loaded.
INSERT INTO events (event_id, name, sport, competition, start_time, in_play)
SELECT 'e-' || e.n,
       e.home || ' v ' || e.away,
       e.sport,
       e.competition,
       CASE e.n % 10
         WHEN 0 THEN date_trunc('minute', now()) - make_interval(mins => (5 + e.n * 7 % 81)::int)
         WHEN 5 THEN date_trunc('minute', now()) + make_interval(mins => (10 + 5 * (e.n % 24))::int)
         ELSE date_trunc('minute', now())
              + make_interval(mins => (10 + 5 * (e.n * 397 % 2016))::int)
       END,
       e.n % 10 = 0
FROM (
  SELECT row_number() OVER (ORDER BY c.ord, k) AS n,
         c.sport,
         c.competition,
         c.sides[1 + k % array_length(c.sides, 1)] AS home,
         c.sides[1 + (k % array_length(c.sides, 1)
                      + 1 + (k * 7) % (array_length(c.sides, 1) - 1))
                     % array_length(c.sides, 1)] AS away
  FROM sample_competitions c, generate_series(0, c.events - 1) AS k
) AS e;

-- Every event gets every market type of its sport.
INSERT INTO markets (market_id, event_id, name, type, status, selections)
SELECT 'm-' || (1000 + m.n),
       m.event_id,
       m.name,
       m.type,
       CASE WHEN m.n % 50 = 17 THEN 'SUSPENDED' ELSE 'OPEN' END,
       CASE m.kind
         WHEN '1X2' THEN jsonb_build_array(
           jsonb_build_object('id', 'home', 'name', m.home),
           jsonb_build_object('id', 'draw', 'name', 'Draw'),
           jsonb_build_object('id', 'away', 'name', m.away))
         WHEN 'HA' THEN jsonb_build_array(
           jsonb_build_object('id', 'home', 'name', m.home),
           jsonb_build_object('id', 'away', 'name', m.away))
         WHEN 'OU' THEN jsonb_build_array(
           jsonb_build_object('id', 'over', 'name', 'Over ' || m.line),
           jsonb_build_object('id', 'under', 'name', 'Under ' || m.line))
         WHEN 'YN' THEN jsonb_build_array(
           jsonb_build_object('id', 'yes', 'name', 'Yes'),
           jsonb_build_object('id', 'no', 'name', 'No'))
         WHEN 'DC' THEN jsonb_build_array(
           jsonb_build_object('id', 'home_draw', 'name', m.home || ' or Draw'),
           jsonb_build_object('id', 'home_away', 'name', m.home || ' or ' || m.away),
           jsonb_build_object('id', 'draw_away', 'name', 'Draw or ' || m.away))
         WHEN 'HCP' THEN jsonb_build_array(
           jsonb_build_object('id', 'home', 'name', m.home || ' -' || m.line),
           jsonb_build_object('id', 'away', 'name', m.away || ' +' || m.line))
       END
FROM (
  SELECT row_number() OVER (ORDER BY substr(ev.event_id, 3)::int, t.ord) AS n,
         ev.event_id,
         t.type,
         t.name,
         t.kind,
         t.line,
         split_part(ev.name, ' v ', 1) AS home,
         split_part(ev.name, ' v ', 2) AS away
  FROM events ev
  JOIN sample_market_types t ON t.sport = ev.sport
) AS m;

DROP TABLE sample_market_types;
DROP TABLE sample_competitions;
