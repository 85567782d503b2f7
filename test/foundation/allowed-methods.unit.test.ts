import assert from 'node:assert/strict';
import { test } from 'node:test';
import { routePattern } from '../../src/server/allowed-methods.ts';

test("a route's URL matches the paths Fastify routes to it, and no others", () => {
  const cases: [string, string[], string[]][] = [
    [
      '/api/integration/v1/fullSync/lines/:mapping/restart',
      [
        '/api/integration/v1/fullSync/lines/CONTACT/restart',
        '/api/integration/v1/fullSync/lines/a%20b/restart',
      ],
      [
        '/api/integration/v1/fullSync/lines//restart',
        '/api/integration/v1/fullSync/lines/a/b/restart',
      ],
    ],
    [
      '/api/v2.0/*',
      ['/api/v2.0/', '/api/v2.0/companies(1)/customers'],
      ['/api/v2x0/x', '/api/v2.0'],
    ],
    ['/jobs/:id(^\\d+)', ['/jobs/12'], ['/jobs/ab']],
    ['/files/:name.:ext', ['/files/a.txt'], ['/files/a']],
    ['/time/::at', ['/time/:at'], ['/time/x']],
  ];
  for (const [url, yes, no] of cases) {
    const pattern = routePattern(url);
    for (const path of yes) assert.ok(pattern.test(path), `${url} should match ${path}`);
    for (const path of no) assert.ok(!pattern.test(path), `${url} should not match ${path}`);
  }
});
