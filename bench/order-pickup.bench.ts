/**
 * The automatic pick-up of submitted CRM orders through the whole stack (CRM emulator over HTTP →
 * conversion → ERP order and coupling in one transaction → CRM stamp), printing orders/s and HTTP
 * requests per order; then the order status job for their release.
 *   npm run bench -- order         (BENCH_ORDERS=200 by default; 3 lines each)
 */
import { reportOrderStatus } from '../src/flows/sales-orders/order-events.ts';
import { autoCreateSalesOrders } from '../src/flows/sales-orders/order-pickup.ts';
import { longText, startFlowsFixture } from '../test/flows/flows-fixture.ts';

const TOTAL = Number(process.env.BENCH_ORDERS ?? 200);
const fx = await startFlowsFixture();
await fx.salesSetup({ writeInProductType: 'Item', writeInProductNumber: 'WRITE-IN' });
const text = longText(250);
for (let i = 1; i <= TOTAL; i++) {
  const id = await fx.crmCreate('salesorders', {
    name: `Bench ${i}`,
    'customerid_account@odata.bind': `/accounts(${fx.crmIds.account})`,
  });
  const line = (body: Record<string, unknown>) =>
    fx.crmCreate('salesorderdetails', { 'salesorderid@odata.bind': `/salesorders(${id})`, ...body });
  await line({ 'productid@odata.bind': `/products(${fx.crmIds.product})`, quantity: 2, description: text });
  await line({ 'productid@odata.bind': `/products(${fx.crmIds.service})`, quantity: 1 });
  await line({ isproductoverridden: true, productdescription: 'Engraving', quantity: 1, priceperunit: 9.5 });
  await fx.crmUpdate('salesorders', id, { statecode: 1, statuscode: 3 });
}

const measure = async <T>(label: string, run: () => Promise<T>, count: (v: T) => string) => {
  const before = fx.emulator.stats().requests;
  const started = performance.now();
  const value = await run();
  const seconds = (performance.now() - started) / 1000;
  const requests = fx.emulator.stats().requests - before;
  console.log(
    `${label.padEnd(30)} ${TOTAL} orders in ${seconds.toFixed(1)} s (${(TOTAL / seconds).toFixed(1)} orders/s); ` +
      `${requests} HTTP requests to the CRM (${(requests / TOTAL).toFixed(1)} per order); ${count(value)}`,
  );
  return value;
};

const picked = await measure(
  'pick-up (automatic)',
  () => autoCreateSalesOrders(fx.server.ctx),
  (r) => (r.ok ? `created ${r.value.created}, refused ${r.value.refused}` : r.error.message),
);
if (!picked.ok || picked.value.created !== TOTAL) process.exitCode = 1;
await measure(
  'pick-up again (nothing to do)',
  () => autoCreateSalesOrders(fx.server.ctx),
  (r) => (r.ok ? `looked at ${r.value.results.length}` : r.error.message),
);
const ids = picked.ok ? picked.value.results.flatMap((r) => (r.ok && r.erpOrderId ? [r.erpOrderId] : [])) : [];
for (const id of ids) await fx.erp.post(`salesOrders(${id})/Microsoft.NAV.release`);
await measure(
  'status job (release posts)',
  () => reportOrderStatus(fx.server.ctx),
  (r) => (r.ok ? `${r.value.posts} posts` : r.error.message),
);
await fx.close();
