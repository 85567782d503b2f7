import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword } from '../../src/server/auth/passwords.ts';

test('a password verifies against its own hash only', async () => {
  const hash = await hashPassword('s3cret-enough');
  assert.match(hash, /^scrypt\$16384\$8\$1\$/);
  assert.equal(hash.includes('s3cret-enough'), false);
  assert.equal(await verifyPassword('s3cret-enough', hash), true);
  assert.equal(await verifyPassword('s3cret-enougH', hash), false);
  assert.equal(await verifyPassword('s3cret-enough', 'plain'), false);
});

test('two hashes of the same password differ (salted)', async () => {
  assert.notEqual(await hashPassword('same password'), await hashPassword('same password'));
});
