/**
 * Every registered path and its methods, collected from Fastify's onRoute hook. Lets an
 * unmatched request be answered 405 + Allow (Glance's behaviour) instead of 404 when only its
 * method is wrong.
 */
export class RouteTable {
  private readonly routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();

  add(url: string, methods: string | string[]): void {
    let entry = this.routes.get(url);
    if (!entry) {
      const pattern = new RegExp(
        `^${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:[A-Za-z0-9_]+/g, '[^/]+')}$`,
      );
      entry = { pattern, methods: new Set() };
      this.routes.set(url, entry);
    }
    for (const method of [methods].flat()) entry.methods.add(method.toUpperCase());
  }

  /** Methods allowed on `path` (query string excluded), or null when no route has that path. */
  allowedMethods(path: string): string[] | null {
    for (const { pattern, methods } of this.routes.values()) {
      if (pattern.test(path)) return [...methods].filter((m) => m !== 'HEAD').sort();
    }
    return null;
  }
}
