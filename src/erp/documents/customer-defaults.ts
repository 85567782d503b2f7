import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';

type CustomerRow = Record<string, string | null>;

const value = (customer: CustomerRow, column: string) => customer[column] ?? '';

/** The sell-to block of a new document: the customer's name, address, phone number and e-mail. */
function sellTo(c: CustomerRow): Record<string, unknown> {
  return {
    customer_name: value(c, 'display_name'),
    sell_to_address_line1: value(c, 'address_line1'),
    sell_to_address_line2: value(c, 'address_line2'),
    sell_to_city: value(c, 'city'),
    sell_to_state: value(c, 'state'),
    sell_to_country: value(c, 'country'),
    sell_to_postal_code: value(c, 'postal_code'),
    sell_to_phone_number: value(c, 'phone_number'),
    sell_to_email: value(c, 'email'),
  };
}

/** The bill-to block: BC fills it from the bill-to customer (the API cannot write it). */
export function billTo(c: CustomerRow): Record<string, unknown> {
  return {
    bill_to_customer_number: c['number'],
    bill_to_name: value(c, 'display_name'),
    bill_to_address_line1: value(c, 'address_line1'),
    bill_to_address_line2: value(c, 'address_line2'),
    bill_to_city: value(c, 'city'),
    bill_to_state: value(c, 'state'),
    bill_to_country: value(c, 'country'),
    bill_to_postal_code: value(c, 'postal_code'),
  };
}

/**
 * The columns a new document takes from its customer unless the input gives them: sell-to,
 * bill-to and ship-to blocks, currency, terms, shipping, salesperson and price group.
 */
export function customerDefaults(c: CustomerRow): Record<string, unknown> {
  return {
    ...sellTo(c),
    ...billTo(c),
    ship_to_name: value(c, 'display_name'),
    ship_to_contact: value(c, 'contact_name'),
    ship_to_address_line1: value(c, 'address_line1'),
    ship_to_address_line2: value(c, 'address_line2'),
    ship_to_city: value(c, 'city'),
    ship_to_state: value(c, 'state'),
    ship_to_country: value(c, 'country'),
    ship_to_postal_code: value(c, 'postal_code'),
    currency_code: c['currency_code'],
    payment_terms_code: c['payment_terms_code'],
    shipment_method_code: c['shipment_method_code'],
    shipping_agent_code: c['shipping_agent_code'],
    salesperson_code: c['salesperson_code'],
    customer_price_group_code: c['customer_price_group_code'],
  };
}

/** A customer row by number (`invalid_reference` when there is none). */
export async function loadCustomer(tx: Queryable, number: unknown): Promise<Result<CustomerRow>> {
  const row = (await tx.query('SELECT * FROM erp.customers WHERE number = $1', [number])).rows[0];
  if (!row) return failure('invalid_reference', `Customer ${String(number)} does not exist`);
  return ok(row as CustomerRow);
}

/**
 * The bill-to block of another bill-to customer, when `cols` names one and gives none of the
 * block's own columns (the integration may give a CRM order's bill-to address with it).
 */
export async function billToFor(
  tx: Queryable,
  cols: Record<string, unknown>,
): Promise<Result<Record<string, unknown>>> {
  const number = cols['bill_to_customer_number'];
  const own = Object.keys(cols).some(
    (k) => k.startsWith('bill_to_') && k !== 'bill_to_customer_number',
  );
  if (number === undefined || own) return ok({});
  const customer = await loadCustomer(tx, number);
  if (!customer.ok) return customer;
  return ok(billTo(customer.value));
}
