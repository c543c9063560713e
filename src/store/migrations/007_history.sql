-- The history listings (src/store/history-repo.ts) read one meter's rows newest first and page by
-- (time, id): these indexes serve that order, so a page costs its own rows, not the meter's whole history.
CREATE INDEX items_meter_history ON postal.items (meter_id, created_at DESC, item_id DESC);
-- A refund is an event at its own time; most items are never refunded.
CREATE INDEX items_meter_refunds ON postal.items (meter_id, refunded_at) WHERE refunded_at IS NOT NULL;
-- Fundings and device audits of one meter (operator_actions had no index but its key).
CREATE INDEX operator_actions_meter ON support.operator_actions (meter_id, at) WHERE meter_id IS NOT NULL;
