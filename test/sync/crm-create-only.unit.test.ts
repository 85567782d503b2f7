import assert from 'node:assert/strict';
import { test } from 'node:test';
import { entityByName } from '../../src/crm-emulator/catalogue/index.ts';
import { CRM_ENTITIES } from '../../src/integration/adapters/crm-catalogue.ts';

// The adapter's create-only columns are the ones Dataverse (here: the emulator's catalogue, whose
// metadata answers IsValidForUpdate = false for them) refuses to change on an update. The primary
// key and overriddencreatedon are never mapped.
test("the CRM adapter's create-only columns are the emulator's IsValidForUpdate = false columns", () => {
  let compared = 0;
  for (const [name, info] of Object.entries(CRM_ENTITIES)) {
    const e = entityByName(name);
    if (!e) continue;
    compared++;
    const emulator = Object.entries(e.columns)
      .filter(
        ([c, d]) =>
          d.createOnly && !d.readOnly && c !== e.primaryKey && c !== 'overriddencreatedon',
      )
      .map(([c]) => c)
      .sort();
    assert.deepEqual([...(info.createOnly ?? [])].sort(), emulator, name);
  }
  assert.ok(compared > 10, `${compared} entities compared`);
  assert.deepEqual(CRM_ENTITIES['uomschedule']?.createOnly, ['baseuomname']);
});
