import fs from "node:fs";
import path from "node:path";

/** The app/ directory of the checkout. */
export const APP_DIR = path.resolve(import.meta.dirname, "../../app");
export const ROOT = path.resolve(APP_DIR, "..");

/** Files under app/ whose base name is one of `names`, as repo-relative paths ("app/api/x/route.ts"), sorted. */
export function appFiles(names: readonly string[]): string[] {
  return (fs.readdirSync(APP_DIR, { recursive: true }) as string[])
    .map((rel) => rel.split(path.sep).join("/"))
    .filter((rel) => names.includes(rel.slice(rel.lastIndexOf("/") + 1)))
    .map((rel) => `app/${rel}`)
    .sort();
}

/** Import a module of the app tree by its repo-relative path. */
export function importApp(file: string): Promise<Record<string, unknown>> {
  return import(/* @vite-ignore */ path.join(ROOT, file));
}

const loaded = new Map<string, Promise<Record<string, unknown>>>();
/** importApp, once per file. */
export function appModule(file: string): Promise<Record<string, unknown>> {
  let m = loaded.get(file);
  if (!m) loaded.set(file, (m = importApp(file)));
  return m;
}
