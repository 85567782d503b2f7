-- What the lead-to-cash flows remember about the CRM orders and quotes they pick up, and which ERP
-- document events they have reported back. Tables live in the `integration` schema.

-- One row per CRM order or quote the ERP tried to take over: the outcome of the last attempt, so
-- the lists can show "refused: <what to fix>" and the next run retries it.
CREATE TABLE integration.crm_document_pickups (
  crm_entity text NOT NULL CHECK (crm_entity IN ('salesorder', 'quote')),
  crm_id uuid NOT NULL,
  crm_number text NOT NULL DEFAULT '',
  crm_name text NOT NULL DEFAULT '',
  outcome text NOT NULL CHECK (outcome IN ('created', 'updated', 'unchanged', 'refused')),
  erp_document_id uuid,
  erp_number text,
  error_code text,
  error_message text,
  attempts integer NOT NULL DEFAULT 0,
  last_attempt_at timestamptz NOT NULL,
  -- Quotes: set once the "won" handling (order linked, quote archived or released) is done.
  won_processed_at timestamptz,
  PRIMARY KEY (crm_entity, crm_id)
);
CREATE INDEX crm_document_pickups_refused_idx ON integration.crm_document_pickups (crm_entity)
  WHERE outcome = 'refused';

-- ERP outbox events a flow has handled (one row per consumer and event), so a restarted or second
-- worker never reports the same release, shipment or invoice twice.
CREATE TABLE integration.flow_event_receipts (
  consumer text NOT NULL,
  outbox_id bigint NOT NULL,
  outcome text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (consumer, outbox_id)
);
