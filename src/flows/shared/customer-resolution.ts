import type { DataverseClient } from '../../dataverse/index.ts';
import type { Queryable } from '../../db/db.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { coupledErpField } from './coupling-lookups.ts';
import type { CrmDocument } from './crm-documents.ts';
import { crmFailure } from './crm-session.ts';

const CUSTOMER_TYPE = 3;

const what = (doc: CrmDocument) =>
  `${doc.entity === 'quote' ? 'quote' : 'order'} ${doc.number || doc.id}`;

/**
 * The ERP customer number of a CRM order's or quote's customer: the account itself, or a contact's
 * parent account. The account must be of type Customer (when a type is set) and coupled.
 */
export async function resolveCustomer(
  db: Queryable,
  client: DataverseClient,
  doc: CrmDocument,
): Promise<Result<string>> {
  if (!doc.customerId)
    return failure(
      'no_customer',
      `There is no potential customer defined on ${what(doc)}. Choose a customer in Dynamics 365 Sales.`,
    );
  let accountId = doc.customerId;
  if (doc.customerType === 'contact') {
    const contact = await client.retrieve<Record<string, unknown>>('contacts', doc.customerId, {
      select: ['fullname', '_parentcustomerid_value'],
      annotations: 'Microsoft.Dynamics.CRM.lookuplogicalname',
    });
    if (!contact.ok) return crmFailure(`Reading the contact of ${what(doc)}`, contact.error);
    const parent = contact.value._parentcustomerid_value;
    const parentType =
      contact.value['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname'];
    if (typeof parent !== 'string' || (parentType && parentType !== 'account'))
      return failure(
        'no_customer',
        `The customer of ${what(doc)} is the contact ${String(contact.value.fullname ?? doc.customerId)}, who belongs to no account. Link the contact to an account coupled with a customer.`,
      );
    accountId = parent.toLowerCase();
  }
  const account = await client.retrieve<Record<string, unknown>>('accounts', accountId, {
    select: ['name', 'customertypecode'],
  });
  if (!account.ok) return crmFailure(`Reading the account of ${what(doc)}`, account.error);
  const name = String(account.value.name ?? accountId);
  const type = account.value.customertypecode;
  if (typeof type === 'number' && type !== CUSTOMER_TYPE)
    return failure(
      'account_not_customer',
      `The selected type of the account ${name} is not Customer. Change the account's relationship type to Customer.`,
    );
  const number = await coupledErpField(db, 'account', accountId, 'customers', 'number');
  if (!number)
    return failure(
      'customer_not_coupled',
      `There is no customer coupled to account ${name}. Couple the account with a customer (or create the customer from it), then try again.`,
    );
  return ok(number);
}
