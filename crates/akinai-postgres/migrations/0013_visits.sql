-- New visitors per day (JST), counted in memory by each node and added every minute (admin
-- issue, item 9: the funnel's first step). No per-visitor data is kept.
CREATE TABLE daily_visits (
    day     TEXT    PRIMARY KEY,
    visits  BIGINT  NOT NULL
);
CREATE INDEX carts_by_created ON carts (created_at);
