import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  changeStatus,
  createSalesDocument,
  customerStatistics,
  customersWithActivity,
  findEntity,
  listEntities,
  postCustomerPayment,
  postSalesOrder,
} from '../../src/erp/public-api.ts';
import { useFixture } from '../helpers/use-fixture.ts';
import { must, startErpApi } from './fixtures.ts';

const fx = useFixture(() => startErpApi());

const stats = async (number: string, asOf?: string) =>
  must(await customerStatistics(fx.db, { number }, asOf));

describe('lead to cash in the local currency, over the API', () => {
  test('quote → make order → release → partial ship+invoice → partial payment → rest', async () => {
    // Quote: 10 × 12.34 with 5 % discount (117.23) + 3 h × 50 (150.00), invoice discount 7.23.
    const quote = await fx.api.post('salesQuotes', {
      customerNumber: 'C-EUR',
      externalDocumentNumber: 'CRM-Q-1',
      validUntilDate: '2030-12-31',
      discountAmount: 7.23,
      salesQuoteLines: [
        { lineType: 'Item', lineObjectNumber: 'I-1', quantity: 10, discountPercent: 5 },
        { lineType: 'Comment', description: 'Blue ones please', attachedToSequence: 10000 },
        { lineType: 'Resource', lineObjectNumber: 'R-1', quantity: 3 },
      ],
    });
    assert.equal(quote.status, 201, JSON.stringify(quote.body));
    assert.equal(quote.body.totalAmountExcludingTax, 260);
    assert.equal(quote.body.totalTaxAmount, 65.01);
    assert.equal(quote.body.totalAmountIncludingTax, 325.01);
    const quoteLines = await fx.api.get(`salesQuotes(${quote.body.id})/salesQuoteLines`);
    assert.deepEqual(
      // BC's line amounts: before the header discount (amountExcludingTax) and after it (net…).
      quoteLines.body.value.map((l: Record<string, number>) => [
        l.amountExcludingTax,
        l.netAmount,
        l.netTaxAmount,
        l.netAmountIncludingTax,
      ]),
      [
        [117.23, 114.06, 28.52, 142.58],
        [0, 0, 0, 0],
        [150, 145.94, 36.49, 182.43],
      ],
    );

    const made = await fx.api.action(`salesQuotes(${quote.body.id})/Microsoft.NAV.makeOrder`);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const order = made.body;
    assert.equal(order.quoteNumber, quote.body.number);
    assert.equal(order.externalDocumentNumber, 'CRM-Q-1');
    assert.equal(order.totalAmountIncludingTax, 325.01);
    assert.equal((await fx.api.get(`salesQuotes(${quote.body.id})`)).status, 404);
    const archives = await fx.api.get(
      `salesQuoteArchives?$filter=number eq '${quote.body.number}'`,
    );
    assert.equal(archives.body.value.length, 1);
    assert.equal(archives.body.value[0].versionNumber, 1);
    assert.equal(archives.body.value[0].lines.length, 3);

    const released = await fx.api.action(`salesOrders(${order.id})/Microsoft.NAV.release`);
    assert.equal(released.body.status, 'Open', 'a released order reads Open (BC API v2.0)');
    const again = await fx.api.action(`salesOrders(${order.id})/Microsoft.NAV.release`);
    assert.equal(again.status, 409, JSON.stringify(again.body));
    assert.equal(again.body.error.innererror.code, 'invalid_transition');

    // Ship and invoice 4 of 10 items and all 3 hours.
    const post1 = await fx.api.action(`salesOrders(${order.id})/Microsoft.NAV.shipAndInvoice`, {
      postingDate: '2030-01-10',
      lines: [{ sequence: 10000, shipQuantity: 4, invoiceQuantity: 4 }],
    });
    assert.equal(post1.status, 200, JSON.stringify(post1.body));
    assert.equal(post1.body.orderDeleted, false);
    const inv1 = await fx.api.get(
      `salesInvoices(${post1.body.invoiceId})?$expand=salesInvoiceLines`,
    );
    assert.equal(inv1.body.totalAmountExcludingTax, 191.56);
    assert.equal(inv1.body.totalAmountIncludingTax, 239.46);
    assert.equal(inv1.body.remainingAmount, 239.46);
    assert.equal(inv1.body.dueDate, '2030-02-09');
    assert.equal(inv1.body.orderNumber, order.number);
    assert.deepEqual(
      inv1.body.salesInvoiceLines.map((l: Record<string, unknown>) => [
        l.lineType,
        l.quantity,
        l.netAmountIncludingTax,
      ]),
      [
        ['Item', 4, 57.03],
        ['Comment', 0, 0],
        ['Resource', 3, 182.43],
      ],
    );
    const item = (await findEntity(fx.db, 'items', 'number', 'I-1'))!;
    assert.equal(item['inventory'], -4);

    let s = await stats('C-EUR', '2030-01-10');
    assert.equal(s.balance, '239.46');
    assert.equal(s.outstandingOrders, '85.55');
    assert.equal(s.shippedNotInvoiced, '0.00');
    assert.equal(s.totalSalesExcludingTax, '191.56');
    assert.equal(s.totalAmount, '325.01');
    assert.equal(s.overdueAmount, '0.00');
    assert.equal((await stats('C-EUR', '2030-03-01')).overdueAmount, '239.46');

    const pay1 = await fx.api.post('customerPayments', {
      customerNumber: 'C-EUR',
      amount: 100,
      postingDate: '2030-01-20',
      appliesToInvoiceNumber: inv1.body.number,
    });
    assert.equal(pay1.status, 201, JSON.stringify(pay1.body));
    // BC's customerPayment entity, not a wrapper: the amount as paid, the invoice it applies to.
    assert.equal(pay1.body['@odata.context'].endsWith('/customerPayments/$entity'), true);
    assert.equal(pay1.body.amount, 100);
    assert.equal(pay1.body.appliesToInvoiceNumber, inv1.body.number);
    assert.equal(pay1.body.appliesToInvoiceId, inv1.body.id);
    assert.equal(pay1.body.remainingAmount, 0);
    assert.equal(pay1.body.payment, undefined);
    assert.equal((await fx.api.get(`salesInvoices(${inv1.body.id})`)).body.remainingAmount, 139.46);
    assert.equal((await stats('C-EUR')).balance, '139.46');

    // The rest of the order: the last invoice takes exactly what is left of each line.
    const post2 = await fx.api.action(`salesOrders(${order.id})/Microsoft.NAV.shipAndInvoice`, {
      postingDate: '2030-01-25',
    });
    assert.equal(post2.status, 200, JSON.stringify(post2.body));
    assert.equal(post2.body.orderDeleted, true);
    assert.equal((await fx.api.get(`salesOrders(${order.id})`)).status, 404);
    const inv2 = await fx.api.get(`salesInvoices(${post2.body.invoiceId})`);
    assert.equal(inv2.body.totalAmountExcludingTax, 68.44);
    assert.equal(inv2.body.totalAmountIncludingTax, 85.55);
    s = await stats('C-EUR');
    assert.equal(s.balance, '225.01');
    assert.equal(s.outstandingOrders, '0.00');
    assert.equal(s.totalSalesExcludingTax, '260.00');

    const pay2 = await fx.api.post('customerPayments', {
      customerNumber: 'C-EUR',
      amount: '139.46',
      appliesToInvoiceId: inv1.body.id,
    });
    assert.equal(pay2.status, 201, JSON.stringify(pay2.body));
    assert.equal(pay2.body.amount, 139.46);
    const paid = await fx.api.get(`salesInvoices(${inv1.body.id})`);
    assert.equal(paid.body.remainingAmount, 0);
    assert.equal(paid.body.status, 'Paid');
    must(
      await postCustomerPayment(fx.db, {
        customerNumber: 'C-EUR',
        amount: 85.55,
        appliesToInvoiceNumber: inv2.body.number,
      }),
    );
    s = await stats('C-EUR');
    assert.equal(s.balance, '0.00');
    assert.equal(s.totalAmount, '0.00');

    const events = await fx.db.query<{ event_type: string }>(
      'SELECT event_type FROM erp.outbox ORDER BY id',
    );
    assert.deepEqual(
      events.rows.map((r) => r.event_type),
      [
        'salesQuote.madeIntoOrder',
        'salesOrder.released',
        'salesOrder.shipmentPosted',
        'salesOrder.invoicePosted',
        'customerPayment.applied',
        'salesOrder.shipmentPosted',
        'salesOrder.invoicePosted',
        'salesOrder.deleted',
        'customerPayment.applied',
        'customerPayment.applied',
      ],
    );
    const orderArchive = await fx.api.get(`salesOrderArchives?$filter=number eq '${order.number}'`);
    assert.equal(orderArchive.body.value.length, 1);

    // A payment named for an invoice already paid in full is refused and writes nothing, unless
    // the request asks to post it unapplied.
    const entries = async () =>
      Number(
        (await fx.db.query<{ n: string }>('SELECT count(*) AS n FROM erp.customer_ledger_entries'))
          .rows[0]!.n,
      );
    const before = await entries();
    const paidAgain = await fx.api.post('customerPayments', {
      customerNumber: 'C-EUR',
      amount: 200,
      appliesToInvoiceNumber: inv1.body.number,
    });
    assert.equal(paidAgain.status, 409, JSON.stringify(paidAgain.body));
    assert.equal(paidAgain.body.error.code, 'Application_DialogException');
    assert.equal(paidAgain.body.error.innererror.code, 'invoice_already_paid');
    assert.equal(
      paidAgain.body.error.message,
      `Invoice ${inv1.body.number} is paid in full; post the payment without an invoice to leave it unapplied`,
    );
    assert.equal(await entries(), before, 'nothing written');
    for (const amount of [-50, '-50', 0]) {
      const negative = await fx.api.post('customerPayments', { customerNumber: 'C-EUR', amount });
      assert.equal(negative.status, 400, JSON.stringify(negative.body));
      assert.match(JSON.stringify(negative.body), /positive number \(greater than 0\)/);
    }
    assert.equal(await entries(), before);
    const unapplied = await fx.api.post('customerPayments', {
      customerNumber: 'C-EUR',
      amount: 200,
      appliesToInvoiceNumber: inv1.body.number,
      postUnappliedIfPaid: true,
    });
    assert.equal(unapplied.status, 201, JSON.stringify(unapplied.body));
    assert.equal(unapplied.body.appliesToInvoiceNumber, null);
    assert.equal(unapplied.body.remainingAmount, 200, 'stays open on the payment');
    assert.equal(await entries(), before + 1);
  });
});

describe('lead to cash in a foreign currency (USD, 1.1 per EUR), through the services', () => {
  test('amounts in USD, ledger and statistics in EUR, to the cent', async () => {
    const order = must(
      await createSalesDocument(fx.db, {
        documentType: 'Order',
        header: { customerNumber: 'C-USD', orderDate: '2030-02-01' },
        lines: [{ lineType: 'Item', lineObjectNumber: 'I-1', quantity: 5, unitPrice: 20 }],
      }),
    );
    assert.equal(order['currencyCode'], 'USD');
    assert.equal(order['currencyFactor'], 1.1);
    assert.equal(order['totalAmountIncludingTax'], 125);
    must(await changeStatus(fx.db, 'Order', order.id, 'release'));
    const post1 = must(
      await postSalesOrder(fx.db, order.id, {
        ship: true,
        invoice: true,
        postingDate: '2030-02-01',
        lines: [{ sequence: 10000, shipQuantity: 3, invoiceQuantity: 2 }],
      }),
    );
    const entry = must(
      await listEntities(fx.db, 'customerLedgerEntries', {
        filter: `documentNumber eq '${post1.invoiceNumber}'`,
      }),
    )[0]!;
    assert.equal(entry['amount'], 50);
    assert.equal(entry['amountLcy'], 45.45);
    assert.equal(entry['salesLcy'], 36.36);
    assert.equal(entry['currencyCode'], 'USD');
    assert.equal(entry['dueDate'], '2030-03-03');
    let s = await stats('C-USD', '2030-02-01');
    assert.equal(s.balance, '45.45');
    assert.equal(s.outstandingOrders, '45.45'); // 125 × 2/5 = 50 USD
    assert.equal(s.shippedNotInvoiced, '22.73'); // 125 × 1/5 = 25 USD
    assert.equal(s.totalSalesExcludingTax, '36.36');

    const active = must(await customersWithActivity(fx.db, 0));
    assert.deepEqual(active.customerNumbers, ['C-EUR', 'C-USD']);
    assert.deepEqual(must(await customersWithActivity(fx.db, active.nextSeq)).customerNumbers, []);
    const wrong = await postCustomerPayment(fx.db, {
      customerNumber: 'C-USD',
      amount: 20,
      currencyCode: 'EUR',
      appliesToInvoiceNumber: post1.invoiceNumber,
    });
    assert.equal(!wrong.ok && wrong.error.code, 'currency_mismatch');
    const pay1 = must(
      await postCustomerPayment(fx.db, {
        customerNumber: 'C-USD',
        amount: 20,
        postingDate: '2030-02-10',
        appliesToInvoiceNumber: post1.invoiceNumber,
      }),
    );
    assert.equal(pay1.invoiceRemainingAmount, '30.00');
    assert.equal(pay1.payment['amount'], 20);
    assert.equal(pay1.payment['amountLcy'], 18.18);
    s = await stats('C-USD');
    assert.equal(s.balance, '27.27');
    must(
      await postCustomerPayment(fx.db, {
        customerNumber: 'C-USD',
        amount: 30,
        appliesToInvoiceNumber: post1.invoiceNumber,
      }),
    );
    s = await stats('C-USD');
    assert.equal(s.balance, '0.00');
  });
});
