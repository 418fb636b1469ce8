/**
 * Knows which methods each route path answers, so an unmatched request can
 * be told apart: wrong method on a known path (405 with `Allow`, RFC 9110
 * §15.5.6) versus no such path (404).
 */
export interface RouteLike {
  method: string;
  path: string;
}

export type AllowedMethods = (path: string) => string[];

function patternFor(routePath: string): RegExp {
  const source = routePath
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  // Exactly the route's path: the router does not serve `/v1/accounts/` for `/v1/accounts`, so
  // neither does this (a 405 naming GET in Allow for a GET would send the client in circles).
  return new RegExp(`^${source}$`);
}

/**
 * Builds the lookup from the app's final route table. Middleware entries
 * (method `ALL`) do not make a path known.
 */
export function createAllowedMethods(routes: readonly RouteLike[]): AllowedMethods {
  const table = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  for (const route of routes) {
    if (route.method === 'ALL') continue;
    let entry = table.get(route.path);
    if (!entry) {
      entry = { pattern: patternFor(route.path), methods: new Set() };
      table.set(route.path, entry);
    }
    entry.methods.add(route.method.toUpperCase());
  }
  return (path) => {
    const allowed = new Set<string>();
    for (const { pattern, methods } of table.values()) {
      if (!pattern.test(path)) continue;
      for (const method of methods) allowed.add(method);
    }
    // The framework answers HEAD wherever GET is served.
    if (allowed.has('GET')) allowed.add('HEAD');
    return [...allowed].sort();
  };
}
