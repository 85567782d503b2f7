import { entities } from '../../erp/catalog/catalog.ts';
import { formatMoney } from '../format.ts';

/**
 * Business Central's captions where the API field's name, turned into words, would not read as
 * the ERP's user knows the field.
 */
const CAPTIONS: Readonly<Record<string, string>> = {
  id: 'Id',
  number: 'No.',
  displayName: 'Name',
  addressLine1: 'Address',
  addressLine2: 'Address 2',
  state: 'County',
  country: 'Country/Region code',
  postalCode: 'Post code',
  phoneNumber: 'Phone no.',
  faxNumber: 'Fax no.',
  email: 'Email',
  website: 'Home page',
  lastModifiedDateTime: 'Last modified',
};

/**
 * Amount fields: shown with two decimals (unit prices and costs with up to five); exchange rate
 * amounts keep their precision.
 */
const AMOUNT = /^(?!.*Rate).*(Amount|Limit$|Balance$)/;
const UNIT_AMOUNT = /(Price|Cost)$/;

/** A field's value as a page shows it: amounts formatted, anything else as it is. */
export function fieldValue(
  name: string,
  type: string,
  value: unknown,
  currency?: string | null,
): unknown {
  if (type === 'decimal' && AMOUNT.test(name)) return formatMoney(value, currency);
  if (type === 'decimal' && UNIT_AMOUNT.test(name))
    return formatMoney(value, currency, { unitPrice: true });
  return value;
}

/** The caption of an ERP API field: `salespersonCode` → "Salesperson code", `number` → "No.". */
export function fieldCaption(name: string): string {
  const known = CAPTIONS[name];
  if (known) return known;
  const words = name
    .replace(/([A-Z0-9]+)/g, ' $1')
    .trim()
    .toLowerCase()
    .split(' ');
  if (words.length > 1 && words.at(-1) === 'number') words[words.length - 1] = 'no.';
  const text = words.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * An ERP record's fields for its card, in the catalogue's order, with captions and values as the
 * pages show them: BC's blank option (`blocked` ' ') is "No", amounts have two decimals. The ids
 * of related records are left out (their codes are shown); the record's own id comes last.
 */
export function recordFields(
  set: string,
  record: Readonly<Record<string, unknown>>,
  /** The currency of the record's amounts (a document's); none for master data (mixed). */
  currency?: string | null,
): [string, unknown][] {
  const def = entities.get(set);
  if (!def) return Object.entries(record).filter(([k]) => !k.startsWith('@'));
  const out: [string, unknown][] = [];
  for (const f of def.fields) {
    if (!(f.name in record) || f.name === 'id' || f.type === 'guid') continue;
    const value = record[f.name];
    if (f.values?.includes(' ') && (value === ' ' || value === '' || value === null))
      out.push([fieldCaption(f.name), 'No']);
    else out.push([fieldCaption(f.name), fieldValue(f.name, f.type, value, currency)]);
  }
  out.push([fieldCaption('id'), record['id']]);
  return out;
}
