import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  poweredByHeader: false,
  // Native / WASM / worker-using packages stay as Node requires (STACK-NOTES pitfall 4).
  serverExternalPackages: ["@electric-sql/pglite", "pg", "bcrypt", "pino", "ws", "ioredis"],
  // `npm test` type-checks with tsc; the first `npm start` should not pay for it twice.
  typescript: { ignoreBuildErrors: true },
};

export default nextConfig;
