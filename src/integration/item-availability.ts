import type { EngineContext } from '../sync/engine/context.ts';
import { beginJob, finishJob, logRecordError } from '../sync/engine/job-log.ts';
import { sameValue } from '../sync/engine/values.ts';
import { emptyCounters } from '../sync/model.ts';
import type { CrmWrite } from '../sync/ports.ts';

export const ITEM_AVAILABILITY_TRIGGER = 'itemAvailability';
const CHUNK = 1000;

/**
 * Business Central's item availability job: the inventory of every coupled item goes to its
 * product's quantity on hand (a negative inventory as 0), whatever else changed or not — stock
 * moves with postings, not with edits of the item. Only differing values are written, in `$batch`
 * requests; logged as a job of ITEM-PRODUCT with the trigger `itemAvailability`.
 */
export async function updateItemAvailability(
  engine: EngineContext,
): Promise<{ jobId: string; modified: number; failed: number }> {
  const counters = emptyCounters();
  const jobId = await beginJob(
    engine.db,
    'ITEM-PRODUCT',
    'ToIntegrationTable',
    ITEM_AVAILABILITY_TRIGGER,
  );
  try {
    const coupled = await engine.db.query<{ erp_id: string; crm_id: string; inventory: string }>(
      `SELECT c.erp_id, c.crm_id, i.inventory::text AS inventory
         FROM integration.couplings c JOIN erp.items i ON i.id = c.erp_id
        WHERE c.mapping_name = 'ITEM-PRODUCT' AND c.state = 'coupled' AND NOT c.skipped
        ORDER BY c.crm_id`,
    );
    for (let i = 0; i < coupled.rows.length; i += CHUNK) {
      const chunk = coupled.rows.slice(i, i + CHUNK);
      const products = await engine.crm.get(
        'product',
        chunk.map((r) => r.crm_id),
      );
      if (!products.ok) throw new Error(`Reading products failed: ${products.error.message}`);
      const writes: { erpId: string; write: CrmWrite }[] = [];
      for (const r of chunk) {
        const product = products.value.get(r.crm_id);
        if (!product) continue;
        const quantity = Math.max(0, Number(r.inventory));
        if (sameValue(quantity, product.values.quantityonhand)) {
          counters.unchanged++;
          continue;
        }
        writes.push({
          erpId: r.erp_id,
          write: {
            kind: 'update',
            entity: 'product',
            id: r.crm_id,
            values: { quantityonhand: quantity },
          },
        });
      }
      if (writes.length === 0) continue;
      const results = await engine.crm.write(writes.map((w) => w.write));
      if (!results.ok) throw new Error(`Writing to the CRM failed: ${results.error.message}`);
      for (const [k, res] of results.value.entries()) {
        if (res.ok) {
          counters.modified++;
          continue;
        }
        counters.failed++;
        await logRecordError(engine.db, jobId, 'ITEM-PRODUCT', 'ToIntegrationTable', {
          erpTable: 'items',
          erpId: writes[k]!.erpId,
          crmEntity: 'product',
          crmId: writes[k]!.write.id,
          message: `Updating the quantity on hand failed: ${res.message}`,
        });
      }
    }
    await finishJob(engine.db, jobId, counters, {
      status: 'succeeded',
      message: `${counters.modified} products' quantity on hand updated, ${counters.unchanged} unchanged`,
    });
  } catch (err) {
    await finishJob(engine.db, jobId, counters, {
      status: 'failed',
      message: (err as Error).message,
    });
    throw err;
  }
  return { jobId, modified: counters.modified, failed: counters.failed };
}
