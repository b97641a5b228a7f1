/** Rows of a raw `db.execute(sql…)`: both drivers answer `{ rows }`. */
export function rowsOf<T>(res: unknown): T[] {
  return (res as { rows: T[] }).rows;
}

/** A boolean from a raw query, whichever way the driver spells it. */
export function sqlBool(v: unknown): boolean {
  return v === true || v === "t";
}
