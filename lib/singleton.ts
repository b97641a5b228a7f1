/**
 * Process-wide singletons.
 *
 * `server.ts` and Next's route handlers each load their own bundled copy of
 * every module (STACK-NOTES pitfall 2), so a module-level `let x` would exist
 * twice. Anything that must be unique per process (db client, hub, caches)
 * lives on `globalThis` under a `Symbol.for` key, in every environment.
 */
export function singleton<T>(name: string, create: () => T): T {
  const key = Symbol.for(`onlinechatcrm.${name}`);
  const g = globalThis as unknown as Record<symbol, T | undefined>;
  if (g[key] === undefined) g[key] = create();
  return g[key] as T;
}

export function peekSingleton<T>(name: string): T | undefined {
  return (globalThis as unknown as Record<symbol, T | undefined>)[Symbol.for(`onlinechatcrm.${name}`)];
}

export function setSingleton<T>(name: string, value: T | undefined): void {
  (globalThis as unknown as Record<symbol, T | undefined>)[Symbol.for(`onlinechatcrm.${name}`)] = value;
}
