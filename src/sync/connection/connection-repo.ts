import { z } from 'zod';
import type { Queryable } from '../../db/db.ts';

/** The connection setup as users see it: the secret itself is never part of it. */
export interface ConnectionSetup {
  readonly crmUrl: string | null;
  readonly authorityUrl: string | null;
  readonly tenantId: string | null;
  readonly clientId: string | null;
  readonly hasClientSecret: boolean;
  readonly enabled: boolean;
  readonly salesOrderIntegration: boolean;
  readonly autoCreateSalesOrders: boolean;
  readonly autoProcessQuotes: boolean;
  readonly unitGroupMapping: boolean;
  /** Items' inventory goes to the products' quantity on hand (field mapping and its own job). */
  readonly itemAvailability: boolean;
  readonly ownershipModel: 'Person' | 'Team';
  readonly integrationUserId: string | null;
  readonly crmVersion: string | null;
  /** The organization the connection last reached (WhoAmI's OrganizationId). */
  readonly crmOrganizationId: string | null;
  /** What the last move to another organization did (src/integration/crm-organization.ts). */
  readonly crmOrganizationMove: unknown;
  /** Set while the organization at a new address could not be identified yet. */
  readonly crmOrganizationUnidentified: OrganizationUnidentified | null;
  readonly lastTest: unknown;
}

/** A saved address whose organization could not be asked: where, why, and when. */
export interface OrganizationUnidentified {
  readonly crmUrl: string | null;
  readonly reason: string;
  readonly at: string;
}

/** What PATCH /connection accepts; unknown fields are refused. */
export const connectionPatchSchema = z.strictObject({
  crmUrl: z.url({ protocol: /^https?$/ }).optional(),
  authorityUrl: z
    .url({ protocol: /^https?$/ })
    .nullable()
    .optional(),
  tenantId: z.string().min(1).max(100).optional(),
  clientId: z.string().min(1).max(100).optional(),
  clientSecret: z.string().min(1).max(500).optional(),
  salesOrderIntegration: z.boolean().optional(),
  autoCreateSalesOrders: z.boolean().optional(),
  autoProcessQuotes: z.boolean().optional(),
  unitGroupMapping: z.boolean().optional(),
  itemAvailability: z.boolean().optional(),
  ownershipModel: z.enum(['Person', 'Team']).optional(),
});
export type ConnectionPatch = z.infer<typeof connectionPatchSchema>;

interface Row {
  crm_url: string | null;
  authority_url: string | null;
  tenant_id: string | null;
  client_id: string | null;
  client_secret_enc: string | null;
  enabled: boolean;
  sales_order_integration: boolean;
  auto_create_sales_orders: boolean;
  auto_process_quotes: boolean;
  unit_group_mapping: boolean;
  item_availability: boolean;
  ownership_model: 'Person' | 'Team';
  integration_user_id: string | null;
  crm_version: string | null;
  crm_organization_id: string | null;
  crm_organization_move: unknown;
  crm_organization_unidentified: OrganizationUnidentified | null;
  last_test: unknown;
}

/** The stored setup, including the sealed secret (for the engine only; never returned by the API). */
export async function readConnection(
  db: Queryable,
): Promise<ConnectionSetup & { sealedSecret: string | null }> {
  await db.query('INSERT INTO integration.connection (id) VALUES (1) ON CONFLICT DO NOTHING');
  const r = await db.query<Row>('SELECT * FROM integration.connection WHERE id = 1');
  const row = r.rows[0]!;
  return {
    crmUrl: row.crm_url,
    authorityUrl: row.authority_url,
    tenantId: row.tenant_id,
    clientId: row.client_id,
    hasClientSecret: row.client_secret_enc !== null,
    sealedSecret: row.client_secret_enc,
    enabled: row.enabled,
    salesOrderIntegration: row.sales_order_integration,
    autoCreateSalesOrders: row.auto_create_sales_orders,
    autoProcessQuotes: row.auto_process_quotes,
    unitGroupMapping: row.unit_group_mapping,
    itemAvailability: row.item_availability,
    ownershipModel: row.ownership_model,
    integrationUserId: row.integration_user_id,
    crmVersion: row.crm_version,
    crmOrganizationId: row.crm_organization_id,
    crmOrganizationMove: row.crm_organization_move,
    crmOrganizationUnidentified: row.crm_organization_unidentified,
    lastTest: row.last_test,
  };
}

/** The organization the connection last reached (recorded by every connection test), if any. */
export async function connectedOrganization(db: Queryable): Promise<string | null> {
  const r = await db.query<{ id: string | null }>(
    'SELECT crm_organization_id AS id FROM integration.connection WHERE id = 1',
  );
  return r.rows[0]?.id ?? null;
}

/** The setup without any secret material, for APIs and the CLI. */
export async function publicConnection(db: Queryable): Promise<ConnectionSetup> {
  const { sealedSecret: _omit, ...rest } = await readConnection(db);
  return rest;
}

const COLUMNS: Record<keyof Omit<ConnectionPatch, 'clientSecret'>, string> = {
  crmUrl: 'crm_url',
  authorityUrl: 'authority_url',
  tenantId: 'tenant_id',
  clientId: 'client_id',
  salesOrderIntegration: 'sales_order_integration',
  autoCreateSalesOrders: 'auto_create_sales_orders',
  autoProcessQuotes: 'auto_process_quotes',
  unitGroupMapping: 'unit_group_mapping',
  itemAvailability: 'item_availability',
  ownershipModel: 'ownership_model',
};

/** Applies a validated patch; the secret arrives already sealed. */
export async function updateConnection(
  db: Queryable,
  patch: ConnectionPatch,
  sealedSecret?: string,
): Promise<void> {
  await db.query('INSERT INTO integration.connection (id) VALUES (1) ON CONFLICT DO NOTHING');
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [key, column] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, string][]) {
    if (patch[key] === undefined) continue;
    values.push(patch[key]);
    sets.push(`${column} = $${values.length}`);
  }
  if (sealedSecret !== undefined) {
    values.push(sealedSecret);
    sets.push(`client_secret_enc = $${values.length}`);
  }
  if (sets.length === 0) return;
  await db.query(
    `UPDATE integration.connection SET ${sets.join(', ')}, updated_at = now() WHERE id = 1`,
    values,
  );
}

/** Marks the connection enabled/disabled and stores what the last test found. */
export async function setConnectionState(
  db: Queryable,
  state: {
    enabled?: boolean;
    lastTest?: unknown;
    integrationUserId?: string | null;
    crmVersion?: string | null;
    crmOrganizationId?: string;
  },
): Promise<void> {
  await db.query(
    `UPDATE integration.connection SET
       enabled_at = CASE WHEN $1::boolean AND NOT enabled THEN now() ELSE enabled_at END,
       enabled = coalesce($1, enabled),
       last_test = coalesce($2, last_test),
       integration_user_id = CASE WHEN $3::boolean THEN $4::uuid ELSE integration_user_id END,
       crm_version = CASE WHEN $5::boolean THEN $6 ELSE crm_version END,
       crm_organization_id = coalesce($7::uuid, crm_organization_id),
       updated_at = now()
     WHERE id = 1`,
    [
      state.enabled ?? null,
      state.lastTest === undefined ? null : JSON.stringify(state.lastTest),
      state.integrationUserId !== undefined,
      state.integrationUserId ?? null,
      state.crmVersion !== undefined,
      state.crmVersion ?? null,
      state.crmOrganizationId ?? null,
    ],
  );
}

/**
 * Forgets what the last connection test found: it was about another address, authority or
 * credentials, so keeping its "passed" would vouch for a connection nobody has tested.
 */
export async function forgetLastTest(db: Queryable): Promise<void> {
  await db.query('UPDATE integration.connection SET last_test = NULL WHERE id = 1');
}

/**
 * Records the organization the connection reaches (it is identified now), and what moving to it
 * did when it moved.
 */
export async function setOrganization(
  db: Queryable,
  organizationId: string,
  move?: unknown,
): Promise<void> {
  await db.query(
    `UPDATE integration.connection SET crm_organization_id = $1::uuid,
       crm_organization_move = coalesce($2::jsonb, crm_organization_move),
       crm_organization_unidentified = NULL, updated_at = now()
     WHERE id = 1`,
    [organizationId, move === undefined ? null : JSON.stringify(move)],
  );
}

/** Notes that the organization at the address just saved could not be identified. */
export async function setOrganizationUnidentified(
  db: Queryable,
  unidentified: OrganizationUnidentified,
): Promise<void> {
  await db.query(
    `UPDATE integration.connection SET crm_organization_unidentified = $1::jsonb, updated_at = now()
     WHERE id = 1`,
    [JSON.stringify(unidentified)],
  );
}
