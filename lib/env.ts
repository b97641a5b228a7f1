import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { z } from "zod";
import { passwordProblem } from "./password-policy";
import { singleton } from "./singleton";

/**
 * The one module that reads configuration. Parsed once per process (on
 * globalThis, so server.ts and Next's bundled copy see the same values) and
 * validated with zod. `production` is what the operator asked for
 * (NODE_ENV=production at start-up); server.ts may later set NODE_ENV for
 * React/Next's own sake, which must not change this decision.
 */
const TrustProxy = z
  .string()
  .trim()
  .transform((v, c) => {
    if (v === "") return { hops: 0, addresses: [] as string[] };
    if (/^\d+$/.test(v)) return { hops: Number(v), addresses: [] as string[] };
    if (v === "true") return { hops: 1, addresses: [] as string[] };
    if (v === "false") return { hops: 0, addresses: [] as string[] };
    const addresses = v.split(",").map((s) => s.trim()).filter(Boolean);
    for (const a of addresses) {
      // A real address or CIDR: a typo must not silently leave the proxy untrusted.
      const [addr, prefix, ...rest] = a.split("/");
      const family = net.isIP(addr);
      const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
      if (!family || !prefixOk || rest.length > 0) {
        c.addIssue({ code: "custom", message: `TRUST_PROXY: "${a}" is neither a hop count nor an IP/CIDR` });
        return z.NEVER;
      }
    }
    return { hops: 0, addresses };
  });

function isJsonObject(v: string): boolean {
  try {
    const o = JSON.parse(v);
    return typeof o === "object" && o !== null && !Array.isArray(o);
  } catch {
    return false;
  }
}

/** An http(s) base URL without a trailing slash. */
const HttpBase = z
  .string()
  .url()
  .refine((v) => /^https?:\/\//i.test(v), "must be an http:// or https:// URL")
  .transform((v) => v.replace(/\/+$/, ""));

const Schema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  APP_URL: z
    .string()
    .url()
    .refine((v) => /^https?:\/\//i.test(v), "APP_URL must be an http:// or https:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  SESSION_SECRET: z.string().optional(),
  ADMIN_EMAIL: z.string().email().default("admin@example.com"),
  ADMIN_PASSWORD: z.string().optional(),
  TRUST_PROXY: TrustProxy.default({ hops: 0, addresses: [] }),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "REDIS_URL must be a redis:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  GEOIP_DB: z.string().optional(),
  /** Multiplies every rate limit (lib/security/rate-limits.ts): > 1 loosens them (load tests), < 1 tightens. */
  RATE_LIMIT_FACTOR: z.coerce.number().positive().max(1e9).default(1),
  /** Server-side conversions (lib/conversions/deliver.ts): where Meta's Graph API and GA4's Measurement Protocol are; tests and staging point them at a fake server. */
  META_GRAPH_URL: HttpBase.default("https://graph.facebook.com"),
  /** Graph API version of the Conversions API calls (v26.0 is current as of July 2026). */
  META_GRAPH_VERSION: z.string().regex(/^v\d{1,3}\.\d{1,3}$/, "META_GRAPH_VERSION must look like v26.0").default("v26.0"),
  GA4_MP_URL: HttpBase.default("https://www.google-analytics.com"),
  /** Google Sheets lead sources (lib/crm/sheets): the Sheets API's root; tests point it at a fake server. */
  GOOGLE_SHEETS_ROOT_URL: HttpBase.default("https://sheets.googleapis.com"),
  /**
   * Where a service account's JWT is exchanged for a token. Ours, never the
   * key's own `token_uri`: a pasted key must not make the server post signed
   * assertions to an address of its choosing. Tests point it at a fake.
   */
  GOOGLE_TOKEN_URL: HttpBase.default("https://oauth2.googleapis.com/token"),
  /** A service-account key (JSON) for Google Sheets; when set it is the key and the admin page can't replace it. Checked in full by lib/crm/sheets. */
  GOOGLE_SERVICE_ACCOUNT_JSON: z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined)
    .refine((v) => v === undefined || isJsonObject(v), "GOOGLE_SERVICE_ACCOUNT_JSON must be the service account's JSON key"),
});

export type Env = {
  production: boolean;
  port: number;
  host: string;
  appUrl: string | undefined;
  /**
   * APP_URL's origin (`https://chat.example.com`): when set, the only origin
   * staff requests and sockets are accepted from, and the one our pages'
   * `connect-src` names. Undefined without APP_URL (local development: the
   * request's own Host then stands in).
   */
  appOrigin: string | undefined;
  secureCookies: boolean;
  dataDir: string;
  databaseUrl: string | undefined;
  sessionSecret: string;
  adminEmail: string;
  /** Undefined when neither configured nor generated (seeding then leaves an existing admin alone). */
  adminPassword: string | undefined;
  adminPasswordGenerated: boolean;
  trustProxy: { hops: number; addresses: string[] };
  redisUrl: string | undefined;
  logLevel: string;
  geoipDb: string | undefined;
  rateLimitFactor: number;
  metaGraphUrl: string;
  metaGraphVersion: string;
  ga4MpUrl: string;
  googleSheetsRootUrl: string;
  googleTokenUrl: string;
  /** The raw JSON key, or undefined (the key saved in the admin page is used then). */
  googleServiceAccountJson: string | undefined;
};

export class EnvError extends Error {}

/** Parse and validate configuration. Throws EnvError with a one-line reason. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const parsed = Schema.safeParse(source);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new EnvError(`Invalid configuration: ${first.path.join(".")}: ${first.message}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === "production";
  const dataDir = path.resolve(e.DATA_DIR);

  let sessionSecret = e.SESSION_SECRET ?? "";
  let adminPassword = e.ADMIN_PASSWORD;
  let adminPasswordGenerated = false;

  if (production) {
    if (sessionSecret.length < 32) {
      throw new EnvError("Refusing to start: SESSION_SECRET must be set to at least 32 characters in production.");
    }
    if (!adminPassword) throw new EnvError("Refusing to start: ADMIN_PASSWORD must be set in production.");
    // The same rule as every staff password (lib/password-policy.ts).
    const problem = passwordProblem(adminPassword, [e.ADMIN_EMAIL, "admin"]);
    if (problem) throw new EnvError(`Refusing to start: ADMIN_PASSWORD is not strong enough. ${problem}`);
  } else {
    if (sessionSecret.length < 32) {
      // Outside production a missing secret is generated once and kept, so
      // restarts don't sign everybody out.
      fs.mkdirSync(dataDir, { recursive: true });
      const file = path.join(dataDir, "session-secret");
      if (fs.existsSync(file)) sessionSecret = fs.readFileSync(file, "utf8").trim();
      if (sessionSecret.length < 32) {
        sessionSecret = randomBytes(32).toString("base64url");
        fs.writeFileSync(file, sessionSecret, { mode: 0o600 });
      }
    }
    if (!adminPassword) {
      // Generated, and printed once by the seed if (and only if) it creates the admin.
      adminPassword = randomBytes(9).toString("base64url");
      adminPasswordGenerated = true;
    }
  }

  return {
    production,
    port: e.PORT,
    host: e.HOST,
    appUrl: e.APP_URL?.replace(/\/$/, ""),
    appOrigin: e.APP_URL ? new URL(e.APP_URL).origin : undefined,
    secureCookies: e.APP_URL ? new URL(e.APP_URL).protocol === "https:" : false,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    sessionSecret,
    adminEmail: e.ADMIN_EMAIL.toLowerCase(),
    adminPassword,
    adminPasswordGenerated,
    trustProxy: e.TRUST_PROXY,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    geoipDb: e.GEOIP_DB,
    rateLimitFactor: e.RATE_LIMIT_FACTOR,
    metaGraphUrl: e.META_GRAPH_URL,
    metaGraphVersion: e.META_GRAPH_VERSION,
    ga4MpUrl: e.GA4_MP_URL,
    googleSheetsRootUrl: e.GOOGLE_SHEETS_ROOT_URL,
    googleTokenUrl: e.GOOGLE_TOKEN_URL,
    googleServiceAccountJson: e.GOOGLE_SERVICE_ACCOUNT_JSON,
  };
}

/** The process's configuration, parsed on first use. */
export function getEnv(): Env {
  return singleton("env", () => parseEnv());
}
