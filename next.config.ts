import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Native / WASM / worker-using packages stay as Node requires (STACK-NOTES pitfall 4).
  // esbuild bundles the visitor landing page's script at run time (components/visitor/landing/bundle.server.ts).
  serverExternalPackages: ["@electric-sql/pglite", "pg", "bcrypt", "pino", "ws", "ioredis", "esbuild"],
  // `npm test` type-checks with tsc; the first `npm start` should not pay for it twice.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
