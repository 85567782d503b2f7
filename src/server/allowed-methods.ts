import type { FastifyInstance } from 'fastify';

/** The order an Allow header lists methods in; others follow alphabetically. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

const rank = (m: string) => {
  const i = ORDER.indexOf(m);
  return i === -1 ? ORDER.length : i;
};

const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A route's URL in find-my-way's syntax as a regular expression over a request's path: `:name`
 * (with its own pattern when it has one) is one segment or up to the next `-`/`.` of the URL, `*`
 * the rest, `::` a colon.
 */
export function routePattern(url: string): RegExp {
  let out = '';
  for (let i = 0; i < url.length; ) {
    const c = url[i]!;
    if (c === ':' && url[i + 1] === ':') {
      out += ':';
      i += 2;
    } else if (c === ':') {
      const name = /^:[^/\-.(]*/.exec(url.slice(i))![0];
      i += name.length;
      const own = url[i] === '(' ? /^\((.*?)\)(?=$|[/\-.:])/.exec(url.slice(i)) : null;
      if (own) {
        out += `(?:${own[1]!.replace(/^\^|\$$/g, '')})`;
        i += own[0].length;
      } else out += '[^/]+?';
    } else if (c === '*') {
      out += '.*';
      i += 1;
    } else {
      out += literal(c);
      i += 1;
    }
  }
  return new RegExp(`^${out}$`);
}

/**
 * Remembers every route's URL and methods as they are registered (install before any route), and
 * answers the methods a path is routed for: what a 405 lists in its Allow header. Fastify can look
 * up a route by its pattern only, not by a request's path.
 */
export function trackRouteMethods(app: FastifyInstance): (path: string) => string[] {
  const routes: { pattern: RegExp; methods: readonly string[] }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    routes.push({ pattern: routePattern(route.url), methods: methods as string[] });
  });
  return (path) => {
    const found = new Set<string>();
    for (const r of routes) if (r.pattern.test(path)) for (const m of r.methods) found.add(m);
    // Fastify answers HEAD for every GET route (exposeHeadRoutes).
    if (found.has('GET')) found.add('HEAD');
    return [...found].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  };
}
