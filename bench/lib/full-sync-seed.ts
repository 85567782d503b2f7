import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../src/db/db.ts';
import type { DataverseClient } from '../../src/dataverse/index.ts';

/**
 * The full synchronization benchmark's data: `customers` ERP customers with a company contact per
 * four and a contact person per two, `items` items with a unit and a customer-price-group price,
 * and `crmOnly` accounts a salesperson keeps only in the CRM (`user` creates them).
 */
export async function seedFullSync(
  db: Queryable,
  user: DataverseClient,
  n: { customers: number; items: number; crmOnly: number },
): Promise<void> {
  await db.query(`INSERT INTO erp.units_of_measure (code, display_name) VALUES ('PCS', 'Piece')`);
  await db.query(`INSERT INTO erp.customer_price_groups (code, display_name) VALUES ('RETAIL', 'Retail')`);
  await db.query(
    `INSERT INTO erp.customers (number, display_name, address_line1, city, postal_code, email, phone_number, credit_limit)
     SELECT 'C' || lpad(g::text, 7, '0'), 'Customer ' || g, g || ' Main Street', 'Oslo', '0150',
            'c' || g || '@bench.example', '+47 ' || g, 1000 + g % 100
     FROM generate_series(1, $1) g`,
    [n.customers],
  );
  // Every contact person belongs to a company whose business relation is a customer (two each).
  await db.query(
    `INSERT INTO erp.contacts (number, type, display_name, customer_number)
     SELECT 'K' || lpad(g::text, 7, '0'), 'Company', 'Customer ' || g, 'C' || lpad(g::text, 7, '0')
     FROM generate_series(1, $1) g`,
    [Math.ceil(n.customers / 4)],
  );
  await db.query(
    `INSERT INTO erp.contacts (number, type, display_name, first_name, surname, company_number, email, city)
     SELECT 'P' || lpad(g::text, 7, '0'), 'Person', 'Person ' || g, 'Person', 'No ' || g,
            'K' || lpad(((g + 1) / 2)::text, 7, '0'), 'p' || g || '@bench.example', 'Oslo'
     FROM generate_series(1, $1) g`,
    [Math.floor(n.customers / 2)],
  );
  await db.query(
    `INSERT INTO erp.items (number, display_name, base_unit_of_measure_code, unit_price, unit_cost)
     SELECT 'I' || lpad(g::text, 6, '0'), 'Item ' || g, 'PCS', 10 + g % 90, 5 FROM generate_series(1, $1) g`,
    [n.items],
  );
  await db.query(
    `INSERT INTO erp.item_units_of_measure (item_number, code) SELECT number, 'PCS' FROM erp.items`,
  );
  await db.query(
    `INSERT INTO erp.sales_prices (item_number, sales_type, sales_code, unit_of_measure_code, unit_price)
     SELECT number, 'Customer Price Group', 'RETAIL', 'PCS', unit_price * 0.9 FROM erp.items`,
  );
  // Accounts a salesperson keeps only in the CRM: they come to the ERP as new customers.
  for (let i = 0; i < n.crmOnly; i += 1000) {
    const ops = Array.from({ length: Math.min(1000, n.crmOnly - i) }, (_, k) => ({
      kind: 'create' as const,
      entitySet: 'accounts',
      record: { name: `CRM account ${i + k}`, customertypecode: 3, address1_city: 'Bergen' },
      id: randomUUID(),
      changeSet: `cs${Math.floor(k / 100)}`,
    }));
    const r = await user.executeBatch(ops);
    if (r.some((x) => !x.ok)) throw new Error('seeding CRM accounts failed');
  }
}
