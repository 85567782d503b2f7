import type { Db, Queryable } from '../../db/db.ts';
import { dec } from '../../shared/money.ts';
import { failure, ok, type Result } from '../../shared/result.ts';
import { entity } from '../catalog/catalog.ts';
import type { LineInput } from '../documents/document-lines.ts';
import { changeStatus } from '../documents/release-and-convert.ts';
import { createSalesDocument } from '../documents/sales-documents.ts';
import { postCustomerPayment } from '../ledger/customer-payments.ts';
import { ensureCompany } from '../master-data/companies.ts';
import { postSalesDocument } from '../posting/post-sales-document.ts';
import { postSalesOrder } from '../posting/post-sales-order.ts';
import { adjustInventory } from '../public-api.ts';
import { advancePastUsed } from '../records/number-series.ts';
import { insertMany } from '../records/record-store.ts';
import {
  CITIES,
  COMPANY_SUFFIXES,
  COMPANY_WORDS,
  FIRST_NAMES,
  PRODUCTS,
  RESOURCES,
  SURNAMES,
  UK_CITIES,
  US_CITIES,
  VARIANTS,
} from './demo-data.ts';
import { referenceData, SALESPEOPLE } from './seed-reference.ts';

/** A small deterministic pseudo-random generator (mulberry32), so every seed is the same. */
function random(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}

class SeedError extends Error {}

/** BC's API names the document date after the document. */
const DATE_FIELD = { Quote: 'documentDate', Order: 'orderDate', Invoice: 'invoiceDate' } as const;

function must<T>(r: Result<T>): T {
  if (!r.ok) throw new SeedError(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

export interface DemoSummary {
  readonly customers: number;
  readonly contacts: number;
  readonly items: number;
  readonly resources: number;
  readonly quotes: number;
  readonly orders: number;
  readonly invoices: number;
  /** Unposted sales invoices. */
  readonly draftInvoices: number;
  /** Posted credit memos (applied to a posted invoice). */
  readonly creditMemos: number;
}

/**
 * Loads the demo trading company ("CRONUS Trading") when the ERP has no company yet: master data,
 * prices, open quotes and orders, posted invoices (one partly paid, one paid, one partly credited
 * by a credit memo) and an unposted invoice. Deterministic; all in one
 * transaction, serialized by an advisory lock so two starting processes never both seed.
 */
export async function seedDemoCompany(db: Db): Promise<Result<DemoSummary | undefined>> {
  try {
    return await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock(hashtext('kobling.erp.seed'))");
      const any = await tx.query('SELECT 1 FROM erp.companies LIMIT 1');
      if ((any.rowCount ?? 0) > 0) return ok(undefined);
      return ok(await seed(tx));
    });
  } catch (err) {
    if (err instanceof SeedError) return failure('seed_failed', err.message);
    throw err;
  }
}

async function seed(tx: Queryable): Promise<DemoSummary> {
  const rnd = random(20260101);
  // Records are buffered per entity set and inserted in bulk, in the order the sets first appear.
  const buffers = new Map<string, Record<string, unknown>[]>();
  const make = async (set: string, body: Record<string, unknown>) => {
    if (!buffers.has(set)) buffers.set(set, []);
    buffers.get(set)!.push(body);
    return body;
  };
  const flush = async () => {
    for (const [set, bodies] of buffers) must(await insertMany(tx, entity(set), bodies));
    buffers.clear();
  };
  must(await ensureCompany(tx, 'CRONUS', 'CRONUS Trading Ltd.'));
  await referenceData(make);
  const items: string[] = [];
  const stock: [string, number][] = [];
  const prices = new Map<string, string>();
  for (const product of PRODUCTS) {
    for (const variant of VARIANTS) {
      const number = String(1000 + items.length * 10);
      const price = dec(rnd.int(900, 60000)).div(100);
      prices.set(number, price.toFixed(2));
      await make('items', {
        number,
        displayName: `${product} ${variant}`,
        baseUnitOfMeasureCode: 'PCS',
        unitPrice: price.toFixed(2),
        unitCost: price.times(0.6).toFixed(2),
        taxGroupCode: product === 'Bookshelf' ? 'REDUCED' : 'STANDARD',
        vendorNumber: `V${rnd.int(10, 40)}`,
        gtin: String(5700000000000 + items.length),
      });
      await make('itemUnitsOfMeasure', { itemNumber: number, code: 'PCS', qtyPerUnitOfMeasure: 1 });
      await make('itemUnitsOfMeasure', {
        itemNumber: number,
        code: 'BOX',
        qtyPerUnitOfMeasure: rnd.pick([4, 6, 10]),
      });
      stock.push([number, rnd.int(20, 400)]);
      items.push(number);
    }
  }
  const resources: string[] = [];
  for (const [i, [name, price]] of RESOURCES.entries()) {
    const number = `R${String(i + 1).padStart(4, '0')}`;
    await make('resources', {
      number,
      displayName: name,
      baseUnitOfMeasureCode: 'HOUR',
      unitPrice: price,
      unitCost: dec(price).times(0.55).toFixed(2),
      capacity: 160,
      taxGroupCode: 'STANDARD',
    });
    await make('resourceUnitsOfMeasure', {
      resourceNumber: number,
      code: 'HOUR',
      qtyPerUnitOfMeasure: 1,
    });
    await make('resourceUnitsOfMeasure', {
      resourceNumber: number,
      code: 'DAY',
      qtyPerUnitOfMeasure: 8,
    });
    resources.push(number);
  }
  for (const [group, pct] of [
    ['WHOLESALE', 0.85],
    ['VIP', 0.8],
  ] as const) {
    for (const number of items.filter((_, i) => i % 2 === 0)) {
      const base = { rows: [{ p: prices.get(number)! }] };
      await make('salesPrices', {
        itemNumber: number,
        salesType: 'Customer Price Group',
        salesCode: group,
        unitPrice: dec(base.rows[0]!.p).times(pct).toFixed(2),
      });
      await make('salesPrices', {
        itemNumber: number,
        salesType: 'Customer Price Group',
        salesCode: group,
        minimumQuantity: 50,
        unitPrice: dec(base.rows[0]!.p)
          .times(pct - 0.05)
          .toFixed(2),
      });
    }
  }

  const customers: { number: string; currency: string | null }[] = [];
  let contacts = 0;
  for (let i = 0; i < 50; i++) {
    const currency = i % 10 === 3 ? 'USD' : i % 10 === 7 ? 'GBP' : null;
    const [city, country, postalCode, state] =
      currency === 'USD'
        ? rnd.pick(US_CITIES)
        : currency === 'GBP'
          ? [...rnd.pick(UK_CITIES), '']
          : [...rnd.pick(CITIES), ''];
    const name =
      `${COMPANY_WORDS[i % COMPANY_WORDS.length]} ${i < 20 ? '' : `${Math.floor(i / 20) + 1} `}${currency === 'USD' ? 'Inc.' : currency === 'GBP' ? 'Ltd.' : rnd.pick(COMPANY_SUFFIXES)}`.replace(
        /\s+/g,
        ' ',
      );
    const number = `C${String(10000 + i * 10).padStart(5, '0')}`;
    const domain = name.toLowerCase().replace(/[^a-z]+/g, '') + '.example';
    await make('customers', {
      number,
      displayName: name,
      addressLine1: `${rnd.pick(['Main', 'Harbour', 'Station', 'Park', 'Market'])} Street ${rnd.int(1, 120)}`,
      city,
      country,
      postalCode,
      state,
      phoneNumber: `+${rnd.int(10, 99)} ${rnd.int(100000, 999999)}`,
      email: `info@${domain}`,
      website: `https://www.${domain}`,
      currencyCode: currency,
      salespersonCode: SALESPEOPLE[i % 3]![0],
      paymentTermsCode: rnd.pick(['14D', '30D', '30D', '1M', 'CM']),
      shipmentMethodCode: rnd.pick(['EXW', 'FOB', 'DAP']),
      shippingAgentCode: rnd.pick(['DHL', 'UPS', 'OWN']),
      customerPriceGroupCode: rnd.pick(['RETAIL', 'RETAIL', 'WHOLESALE', 'VIP']),
      creditLimit: rnd.pick([0, 5000, 10000, 25000]),
      blocked: i === 49 ? 'All' : ' ',
    });
    const company = `CT${String(100 + i * 10).padStart(6, '0')}`;
    await make('contacts', {
      number: company,
      type: 'Company',
      displayName: name,
      customerNumber: number,
      city,
      country,
      postalCode,
    });
    contacts++;
    const persons = rnd.int(1, 2);
    for (let p = 0; p < persons; p++) {
      const first = rnd.pick(FIRST_NAMES);
      const last = rnd.pick(SURNAMES);
      // The blocked customer keeps only its company contact: a person under a customer that is
      // never synchronized could never be synchronized either.
      if (i === 49) continue;
      await make('contacts', {
        number: `${company}-${p + 1}`,
        type: 'Person',
        displayName: `${first} ${last}`,
        firstName: first,
        surname: last,
        companyNumber: company,
        jobTitle: rnd.pick(['Purchaser', 'CEO', 'Office manager', 'Accountant']),
        email: `${first.toLowerCase().replace('ø', 'o')}.${last.toLowerCase().replace('ü', 'u')}@${domain}`,
        city,
        country,
      });
      contacts++;
    }
    customers.push({ number, currency });
  }
  await flush();
  await tx.query(
    `UPDATE erp.customers c SET primary_contact_number = p.number, contact_name = p.display_name
       FROM erp.contacts k JOIN erp.contacts p ON p.number = k.number || '-1'
      WHERE k.customer_number = c.number`,
  );
  for (const [itemNumber, quantity] of stock)
    must(await adjustInventory(tx, { itemNumber, quantity, postingDate: '2026-01-02' }));

  const lines = (n: number): LineInput[] =>
    Array.from({ length: n }, (_, k) =>
      k === n - 1 && n > 2
        ? { lineType: 'Resource', lineObjectNumber: rnd.pick(resources), quantity: rnd.int(2, 16) }
        : { lineType: 'Item', lineObjectNumber: rnd.pick(items), quantity: rnd.int(1, 25) },
    );
  const doc = async (
    type: 'Quote' | 'Order' | 'Invoice',
    i: number,
    date: string,
    extra: Record<string, unknown> = {},
  ) =>
    must(
      await createSalesDocument(tx, {
        documentType: type,
        header: {
          customerNumber: customers[i]!.number,
          [DATE_FIELD[type]]: date,
          postingDate: date,
          ...extra,
        },
        lines: lines(rnd.int(1, 4)),
      }),
    );
  for (const i of [1, 5, 12]) {
    await doc('Quote', i, '2026-09-15', {
      validUntilDate: '2026-12-31',
      externalDocumentNumber: `RFQ-${i}`,
    });
  }
  const open = [await doc('Order', 2, '2026-10-01'), await doc('Order', 8, '2026-10-05')];
  must(await changeStatus(tx, 'Order', open[1]!.id, 'release'));
  const partial = await doc('Order', 14, '2026-10-07');
  must(
    await postSalesOrder(tx, partial.id, {
      ship: true,
      invoice: false,
      postingDate: '2026-10-08',
      lines: [{ sequence: 10000, shipQuantity: 1 }],
    }),
  );
  const invoices: string[] = [];
  for (const [i, date] of [
    [0, '2026-08-03'],
    [3, '2026-08-20'],
    [7, '2026-09-02'],
    [21, '2026-09-28'],
  ] as const) {
    const o = await doc('Order', i, date);
    const posted = must(
      await postSalesOrder(tx, o.id, { ship: true, invoice: true, postingDate: date }),
    );
    invoices.push(posted.invoiceNumber!);
  }
  const first = await tx.query<{ total: string }>(
    'SELECT total_amount_including_tax AS total FROM erp.sales_invoice_headers WHERE number = $1',
    [invoices[0]],
  );
  must(
    await postCustomerPayment(tx, {
      customerNumber: customers[0]!.number,
      amount: dec(first.rows[0]!.total).div(2).toFixed(2),
      postingDate: '2026-08-25',
      appliesToInvoiceNumber: invoices[0],
    }),
  );
  const second = await tx.query<{ total: string }>(
    'SELECT total_amount_including_tax AS total FROM erp.sales_invoice_headers WHERE number = $1',
    [invoices[1]],
  );
  must(
    await postCustomerPayment(tx, {
      customerNumber: customers[3]!.number,
      amount: second.rows[0]!.total,
      postingDate: '2026-09-10',
      appliesToInvoiceNumber: invoices[1],
    }),
  );
  // An unposted invoice (the customer's outstanding invoices) and a credit memo of one hour of
  // work applied to the third posted invoice (partly credited), both for coupled demo customers.
  await doc('Invoice', 0, '2026-10-12');
  const memo = must(
    await createSalesDocument(tx, {
      documentType: 'Credit Memo',
      header: {
        customerNumber: customers[7]!.number,
        creditMemoDate: '2026-09-20',
        postingDate: '2026-09-20',
        invoiceNumber: invoices[2],
      },
      lines: [{ lineType: 'Resource', lineObjectNumber: resources[0], quantity: 1 }],
    }),
  );
  must(await postSalesDocument(tx, 'Credit Memo', memo.id));
  // Master data above got explicit numbers (C10000, CT000100, ...); each series goes on after them.
  for (const set of ['customers', 'contacts', 'items', 'resources']) {
    const def = entity(set);
    const series = await tx.query<{ s: string }>(
      `SELECT ${def.numberSeries} AS s FROM erp.sales_setup`,
    );
    await advancePastUsed(tx, series.rows[0]!.s, { table: def.table });
  }
  return {
    customers: customers.length,
    contacts,
    items: items.length,
    resources: resources.length,
    quotes: 3,
    orders: 3,
    invoices: invoices.length,
    draftInvoices: 1,
    creditMemos: 1,
  };
}
