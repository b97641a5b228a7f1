/** The staff accounts the e2e server starts with (admin by the app's own seed, the rest by global setup). */
export type Role = "admin" | "manager" | "agent" | "qa";
export type Account = { role: Role; email: string; username: string; password: string; displayName: string };

export const ADMIN: Account = {
  role: "admin",
  email: "e2e-admin@example.test",
  username: "admin",
  password: "e2e-Admin-password-1",
  displayName: "Administrator",
};

/** Seeded directly into the database before the server starts. */
export const SEEDED: Record<"manager" | "agent" | "agent2" | "qa", Account> = {
  manager: { role: "manager", email: "e2e-manager@example.test", username: "mia_manager", password: "e2e-Manager-pw-2", displayName: "Mia Manager" },
  agent: { role: "agent", email: "e2e-agent@example.test", username: "arlo_agent", password: "e2e-Agent-pw-3", displayName: "Arlo Agent" },
  // A second agent for the force-logout test, so signing it out everywhere disturbs no other test.
  agent2: { role: "agent", email: "e2e-agent2@example.test", username: "bea_agent", password: "e2e-Agent-pw-4", displayName: "Bea Agent" },
  qa: { role: "qa", email: "e2e-qa@example.test", username: "quinn_qa", password: "e2e-Qa-pw-5", displayName: "Quinn QA" },
};

/** What global setup hands to the tests (a JSON file named by E2E_STATE_FILE). */
export type ServerState = {
  baseURL: string;
  /** The server's stdout + stderr. */
  logFile: string;
  db: "pglite" | "postgres";
  pid: number;
};
