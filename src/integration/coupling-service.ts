import type { Db } from '../db/db.ts';
import { failure, ok, type Result } from '../shared/result.ts';
import type { EngineContext } from '../sync/engine/context.ts';
import type { Coupling, TableMapping } from '../sync/model.ts';
import { couple, findCrmByName } from '../sync/service/couplings.ts';
import { type SyncNowReport, synchronizeNow } from '../sync/service/synchronize-now.ts';
import { LOCK_WAIT, withMappingLock } from './mapping-lock.ts';

/**
 * "Set up coupling": couples an ERP record with a CRM record given by id or looked up by its name,
 * then synchronizes the pair in the chosen direction (or not at all). Used by the API and the UI.
 */
export async function setUpCoupling(
  db: Db,
  engine: EngineContext,
  m: TableMapping,
  input: {
    erpId: string;
    crmId?: string;
    crmName?: string;
    synchronize: 'none' | 'send' | 'get';
  },
): Promise<Result<{ coupling: Coupling; synchronized?: SyncNowReport }>> {
  const r = await withMappingLock(db, m.name, () => coupleUnlocked(engine, m, input), {
    waitMs: LOCK_WAIT.request,
  });
  return r.ok ? r.value : r;
}

async function coupleUnlocked(
  engine: EngineContext,
  m: TableMapping,
  input: { erpId: string; crmId?: string; crmName?: string; synchronize: 'none' | 'send' | 'get' },
): Promise<Result<{ coupling: Coupling; synchronized?: SyncNowReport }>> {
  const ports = { erp: engine.erp, crm: engine.crm };
  let crmId = input.crmId;
  if (!crmId) {
    if (!input.crmName) return failure('validation_failed', 'Give the CRM record or its name');
    const found = await findCrmByName(ports, m, input.crmName);
    if (!found.ok) return found;
    crmId = found.value;
  }
  const coupling = await couple(engine.db, ports, m, input.erpId, crmId);
  if (!coupling.ok) return coupling;
  if (input.synchronize === 'none') return ok({ coupling: coupling.value });
  const synchronized = await synchronizeNow(engine, m, [input.erpId], input.synchronize, true);
  if (!synchronized.ok) return synchronized;
  return ok({ coupling: coupling.value, synchronized: synchronized.value });
}
