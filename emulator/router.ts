import type { Route } from './route';

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/** Matches method and path against the routes' templates (`/v2/{project_id}/pools/{pool_name}`). */
export function routeMatcher(
  routes: readonly Route[],
): (method: string, pathname: string) => RouteMatch | undefined {
  const compiled = routes.map((route) => {
    const names: string[] = [];
    const source = route.path
      .split('/')
      .map((segment) => {
        const param = /^\{(\w+)\}$/.exec(segment);
        if (!param) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
        names.push(param[1] as string);
        return '([^/]+)';
      })
      .join('/');
    return { route, names, pattern: new RegExp(`^${source}/?$`) };
  });
  return (method, pathname) => {
    for (const { route, names, pattern } of compiled) {
      if (route.method !== method) continue;
      const match = pattern.exec(pathname);
      if (!match) continue;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = safeDecode(match[i + 1] as string);
      });
      return { route, params };
    }
    return undefined;
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
