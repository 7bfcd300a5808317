-- Webhooks: endpoints that hear of changes, and the durable outbox that tells them.
--
-- A change that causes an event writes its `webhook_events` row in its own transaction (the
-- outbox): what commits is announced, what rolls back is not. The delivery worker fans each
-- due event out into one `webhook_deliveries` row per subscribed endpoint, then sends them, in
-- order per endpoint, logging every attempt in `webhook_attempts`.
CREATE TABLE webhooks (
    id               INTEGER   PRIMARY KEY AUTOINCREMENT NOT NULL,
    url              TEXT      NOT NULL,
    -- A comma list of event types.
    events           TEXT      NOT NULL,
    -- `whsec_` + base64 of the key (Standard Webhooks).
    secret           TEXT      NOT NULL,
    description      TEXT,
    active           BOOLEAN   NOT NULL,
    -- Since when every attempt failed (reset by a success).
    failing_since    TIMESTAMP,
    -- Set when the endpoint was disabled for failing too long.
    disabled_at      TIMESTAMP,
    disabled_reason  TEXT,
    -- When the first pending delivery is due (null: none pending).
    next_delivery_at TIMESTAMP,
    -- A node is delivering to this endpoint until then: the worker whose token is lease_owner.
    lease_until      TIMESTAMP,
    lease_owner      TEXT,
    created_by       INTEGER   REFERENCES users (id) ON DELETE SET NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_due ON webhooks (active, next_delivery_at);
CREATE INDEX webhooks_created_by ON webhooks (created_by);

CREATE TABLE webhook_events (
    id         INTEGER   PRIMARY KEY AUTOINCREMENT NOT NULL,
    event_type TEXT      NOT NULL,
    -- The article the event is about, if any (no foreign key: the event outlives it).
    article_id INTEGER,
    -- For a ping: the one endpoint it is for.
    webhook_id INTEGER   REFERENCES webhooks (id) ON DELETE CASCADE,
    -- The whole body sent: `{"type","timestamp","data"}`.
    payload    TEXT      NOT NULL,
    created_at TIMESTAMP NOT NULL,
    -- Not sent before (an article scheduled for later: its publication time).
    due_at     TIMESTAMP NOT NULL,
    fanned_out BOOLEAN   NOT NULL
);
CREATE INDEX webhook_events_due ON webhook_events (fanned_out, due_at, id);
CREATE INDEX webhook_events_article ON webhook_events (article_id, fanned_out, due_at);
CREATE INDEX webhook_events_webhook ON webhook_events (webhook_id);
CREATE INDEX webhook_events_created ON webhook_events (created_at);

CREATE TABLE webhook_deliveries (
    id              INTEGER   PRIMARY KEY AUTOINCREMENT NOT NULL,
    webhook_id      INTEGER   NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id        INTEGER   NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    state           TEXT      NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER   NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    -- The delivery this one sends again, if it is a redelivery.
    redelivery_of   INTEGER   REFERENCES webhook_deliveries (id) ON DELETE SET NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (webhook_id, state, id);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_redelivery ON webhook_deliveries (redelivery_of);

CREATE TABLE webhook_attempts (
    id              INTEGER   PRIMARY KEY AUTOINCREMENT NOT NULL,
    delivery_id     INTEGER   NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt         INTEGER   NOT NULL,
    started_at      TIMESTAMP NOT NULL,
    latency_ms      INTEGER   NOT NULL,
    succeeded       BOOLEAN   NOT NULL,
    response_status INTEGER,
    -- The first 1 KB of the answer's body.
    response_body   TEXT,
    -- Why no answer came (timeout, refused connection, address not allowed).
    error           TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);
