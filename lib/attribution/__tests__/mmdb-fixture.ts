/**
 * A tiny MaxMind DB (format 2.0) written from scratch, so the real .mmdb
 * loading code is exercised without shipping GeoLite2 (licence) or fetching it.
 * IPv4 tree, 24-bit records: 0.0.0.0/2 → `record`, everything else unknown.
 */
type Value = string | number | bigint | Value[] | { [k: string]: Value };

function ctrl(type: number, size: number): Buffer {
  const ext = type > 7;
  const first = (ext ? 0 : type) << 5;
  let sizeBytes: number[] = [];
  let s = size;
  if (size >= 29 && size < 285) {
    s = 29;
    sizeBytes = [size - 29];
  } else if (size >= 285 && size < 65821) {
    s = 30;
    sizeBytes = [(size - 285) >> 8, (size - 285) & 0xff];
  } else if (size >= 65821) {
    throw new Error("fixture values are small");
  }
  return Buffer.from([first | s, ...(ext ? [type - 7] : []), ...sizeBytes]);
}

function uint(type: number, n: bigint): Buffer {
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Buffer.concat([ctrl(type, bytes.length), Buffer.from(bytes)]);
}

function encode(v: Value): Buffer {
  if (typeof v === "string") {
    const b = Buffer.from(v, "utf8");
    return Buffer.concat([ctrl(2, b.length), b]);
  }
  if (typeof v === "bigint") return uint(9, v); // uint64
  if (typeof v === "number") return uint(v <= 0xffff ? 5 : 6, BigInt(v)); // uint16 / uint32
  if (Array.isArray(v)) return Buffer.concat([ctrl(11, v.length), ...v.map(encode)]);
  const entries = Object.entries(v);
  return Buffer.concat([ctrl(7, entries.length), ...entries.flatMap(([k, x]) => [encode(k), encode(x)])]);
}

const u24 = (n: number) => [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];

export function buildCityMmdb(record: Value): Buffer {
  const nodeCount = 2;
  const data = encode(record);
  const dataPtr = nodeCount + 16; // data section offset 0
  const tree = Buffer.from([
    // node 0: first bit 0 → node 1; 1 → not found
    ...u24(1), ...u24(nodeCount),
    // node 1: second bit 0 → the record; 1 → not found
    ...u24(dataPtr), ...u24(nodeCount),
  ]);
  const metadata = encode({
    node_count: nodeCount,
    record_size: 24,
    ip_version: 4,
    database_type: "GeoLite2-City",
    languages: ["en"],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1_700_000_000n,
    description: { en: "test fixture" },
  });
  return Buffer.concat([tree, Buffer.alloc(16), data, Buffer.from("abcdef4d61784d696e642e636f6d", "hex"), metadata]);
}
