import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  changeStatus,
  createSalesDocument,
  customerStatistics,
  invoicePaymentStates,
  listEntities,
  postCustomerPayment,
  postSalesOrder,
  statisticsInCustomerCurrency,
} from '../../src/erp/public-api.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { must, startErpApi } from './fixtures.ts';

/**
 * A payment applied to nothing takes the customer's currency, as BC's Gen. Journal Line does when
 * the customer account is validated; applied payments keep the invoice's (lead-to-cash tests).
 * The fixture's rate: 1.1 USD per EUR (EUR local).
 */
const fx = useFixture(() => startErpApi());

const entryOf = async (documentNumber: string) =>
  must(
    await listEntities(fx.db, 'customerLedgerEntries', {
      filter: `documentNumber eq '${documentNumber}'`,
    }),
  )[0]!;
const balanceLcy = async (number: string) =>
  must(await customerStatistics(fx.db, { number }, '2030-12-31')).balance;
const balanceInOwnCurrency = async (number: string) =>
  must(await statisticsInCustomerCurrency(fx.db, [number], '2030-12-31'))[0]!.balance;

describe('an unapplied payment of a USD customer', () => {
  test('over the API without an invoice: in USD, LCY at the exchange rate; balance (LCY) follows', async () => {
    const r = await fx.api.post('customerPayments', {
      customerNumber: 'C-USD',
      amount: 55,
      postingDate: '2030-03-01',
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.currencyCode, 'USD');
    assert.equal(r.body.amount, 55);
    assert.equal(r.body.amountLcy, 50);
    assert.equal(r.body.remainingAmount, 55);
    assert.equal(r.body.appliesToInvoiceNumber, null);
    const entry = await entryOf(r.body.documentNumber);
    assert.deepEqual(
      [entry['currencyCode'], entry['amount'], entry['amountLcy']],
      ['USD', -55, -50],
    );
    assert.deepEqual([entry['remainingAmount'], entry['remainingAmountLcy']], [-55, -50]);
    assert.equal(await balanceLcy('C-USD'), '-50.00');
    assert.equal(await balanceInOwnCurrency('C-USD'), '-55.00', 'the USD amount as it is');
    const event = await fx.db.query<{ payload: Record<string, unknown> }>(
      `SELECT payload FROM erp.outbox WHERE event_type = 'customerPayment.posted' ORDER BY id DESC LIMIT 1`,
    );
    assert.equal(event.rows[0]!.payload['currencyCode'], 'USD');
  });

  test('named for a USD invoice already paid, posted unapplied: in USD; the invoice stays paid', async () => {
    const order = must(
      await createSalesDocument(fx.db, {
        documentType: 'Order',
        header: { customerNumber: 'C-USD', orderDate: '2030-02-01' },
        lines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 5, unitPrice: 20 }],
      }),
    );
    must(await changeStatus(fx.db, 'Order', order.id, 'release'));
    const posted = must(
      await postSalesOrder(fx.db, order.id, {
        ship: true,
        invoice: true,
        postingDate: '2030-02-01',
      }),
    );
    const invoiceNumber = posted.invoiceNumber!;
    const full = must(
      await postCustomerPayment(fx.db, {
        customerNumber: 'C-USD',
        amount: 125,
        postingDate: '2030-02-05',
        appliesToInvoiceNumber: invoiceNumber,
      }),
    );
    assert.equal(full.invoicePaymentStatus, 'Complete');
    assert.equal(await balanceLcy('C-USD'), '-50.00', 'the paid invoice adds nothing');

    const again = await fx.api.post('customerPayments', {
      customerNumber: 'C-USD',
      amount: 22,
      postingDate: '2030-03-02',
      appliesToInvoiceNumber: invoiceNumber,
      postUnappliedIfPaid: true,
    });
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.body.appliesToInvoiceNumber, null);
    const entry = await entryOf(again.body.documentNumber);
    assert.deepEqual(
      [entry['currencyCode'], entry['amount'], entry['amountLcy'], entry['remainingAmountLcy']],
      ['USD', -22, -20, -20],
    );
    assert.equal(entry['open'], true);
    assert.equal(await balanceLcy('C-USD'), '-70.00');
    assert.equal(await balanceInOwnCurrency('C-USD'), '-77.00');
    const [state] = must(await invoicePaymentStates(fx.db, [posted.invoiceId!]));
    assert.deepEqual([state!.status, state!.remainingAmount], ['Paid', '0.00']);
  });

  test('a currency given explicitly wins; a local-currency customer pays in the local currency', async () => {
    const local = must(
      await postCustomerPayment(fx.db, {
        customerNumber: 'C-USD',
        amount: 10,
        currencyCode: 'EUR',
        postingDate: '2030-03-03',
      }),
    );
    assert.deepEqual(
      [local.payment['currencyCode'], local.payment['amount'], local.payment['amountLcy']],
      [null, 10, 10],
    );
    assert.equal(await balanceLcy('C-USD'), '-80.00');
    assert.equal(await balanceInOwnCurrency('C-USD'), '-88.00', '10 EUR at 1.1');
    const eur = must(
      await postCustomerPayment(fx.db, {
        customerNumber: 'C-EUR',
        amount: 10,
        postingDate: '2030-03-03',
      }),
    );
    assert.deepEqual([eur.payment['currencyCode'], eur.payment['amountLcy']], [null, 10]);
    assert.equal(await balanceLcy('C-EUR'), '-10.00');
  });
});
