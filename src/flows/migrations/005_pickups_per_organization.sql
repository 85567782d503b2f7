-- The flows' pickups and event receipts belong to the Dynamics 365 organization they were made
-- with, so a move to another organization sets them aside with the couplings (migration sync 031,
-- src/integration/organization-set-aside.ts). A pickup names a CRM order or quote by its id, and a
-- copy of an organization (a sandbox made from production) keeps those ids: without this, a won
-- quote of the new organization was "already processed" because the old one's was. A receipt says
-- an ERP event was reported to (or passed over for) that organization: back there, the events of
-- the time away are reported; a new organization has each event looked at once.
INSERT INTO integration.organization_set_aside_kinds (kind, registered_by, label)
VALUES ('crm_document_pickups', 'flows', 'CRM order/quote pickup(s)'),
       ('flow_event_receipts', 'flows', 'handled ERP event(s)');
