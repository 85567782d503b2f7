import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEmbeddedEmulatorConnection } from '../../src/integration/system-part.ts';

const emulator = { clientId: 'app', tenantId: 'tenant', organizationId: 'org-embedded' };
const stored = {
  crmUrl: 'http://127.0.0.1:8081',
  tenantId: 'tenant',
  clientId: 'app',
  crmOrganizationId: 'org-embedded',
};
const now = 'http://127.0.0.1:18081';

test('the connection the system made for its own emulator follows it to its new port', () => {
  assert.equal(isEmbeddedEmulatorConnection(stored, emulator, now), true);
  assert.equal(
    isEmbeddedEmulatorConnection({ ...stored, crmOrganizationId: null }, emulator, now),
    true,
    'never tested yet: the address, tenant and application user decide',
  );
});

test('a connection an admin pointed at another emulator stays, even with the same application user', () => {
  assert.equal(
    isEmbeddedEmulatorConnection({ ...stored, crmOrganizationId: 'org-other' }, emulator, now),
    false,
  );
  assert.equal(
    isEmbeddedEmulatorConnection(
      { ...stored, crmUrl: 'https://contoso.crm4.dynamics.com' },
      emulator,
      now,
    ),
    false,
    'not a loopback address',
  );
  assert.equal(
    isEmbeddedEmulatorConnection({ ...stored, clientId: 'other' }, emulator, now),
    false,
  );
  assert.equal(
    isEmbeddedEmulatorConnection({ ...stored, crmUrl: now }, emulator, now),
    false,
    'nothing to move',
  );
});
