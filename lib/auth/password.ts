import bcrypt from "bcrypt";

/** Cost 10 ≈ 50 ms here (STACK-NOTES); async so sign-ins never block the ws event loop. */
const COST = 10;

export function hashPassword(plain: string): Promise<string> {
  return bcrypt.hash(plain, COST);
}

export function verifyPassword(plain: string, hash: string): Promise<boolean> {
  return bcrypt.compare(plain, hash);
}

// A real hash to compare against when the account doesn't exist, so timing
// doesn't reveal which usernames are valid.
const DUMMY_HASH = "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.6o1Gf0yXxU5W0Tq7l1E4o7tNqf8W";
export async function burnPasswordCheck(plain: string): Promise<void> {
  await bcrypt.compare(plain, DUMMY_HASH);
}
