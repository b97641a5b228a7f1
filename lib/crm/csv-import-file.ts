/**
 * The CSV file of a lead import: stored under DATA_DIR/imports with a name of
 * ours, checked to be UTF-8 text while it streams to disk, its delimiter
 * guessed from the header line, and read back through csv-parse. Server only.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { parse, type Options, type Parser } from "csv-parse";
import { getEnv } from "../env";
import { AppError } from "../errors";

export const IMPORT_LIMITS = {
  /** The upload cap: a 100,000-row export is ~6 MB; 50 MB leaves room for wide files. */
  maxBytes: 50 * 1024 * 1024,
  maxColumns: 200,
  /** Longest row csv-parse holds in memory: past it, the file is malformed (usually an unclosed quote). */
  maxRecordBytes: 1024 * 1024,
  previewRows: 10,
  /** A preview cell is cut to this for display. */
  previewCell: 200,
} as const;

export type Delimiter = "," | ";" | "\t";
export const DELIMITERS: readonly Delimiter[] = [",", ";", "\t"];

export function importsDir(): string {
  const dir = path.join(getEnv().dataDir, "imports");
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Our own file names only: nothing the uploader sent ever reaches a path. */
export function importPath(storedName: string): string {
  if (!/^[0-9a-f-]{36}(-rejected)?\.csv$/.test(storedName)) throw new AppError("internal", "Bad stored import name.");
  return path.join(importsDir(), storedName);
}

const bad = (message: string) => new AppError("bad_request", message, { details: { fields: { file: message } } });

/**
 * Stream an upload to a new file, refusing (and deleting) what isn't a UTF-8
 * text file of at most `maxBytes`: NUL bytes (binary, UTF-16), invalid UTF-8
 * (a Windows-1252 or Latin-1 export: we ask for UTF-8 rather than guess), an
 * empty file. Memory stays at one chunk whatever the file's size.
 */
export async function storeUpload(body: ReadableStream<Uint8Array> | null, maxBytes: number = IMPORT_LIMITS.maxBytes): Promise<{ storedName: string; size: number }> {
  const storedName = `${randomUUID()}.csv`;
  const file = importPath(storedName);
  const out = fs.createWriteStream(file, { flags: "wx", mode: 0o600 });
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let size = 0;
  let meaningful = false;
  try {
    if (body) {
      for await (const chunk of Readable.fromWeb(body as import("node:stream/web").ReadableStream<Uint8Array>)) {
        const bytes = chunk as Uint8Array;
        if (size === 0 && bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
          throw bad("This file is UTF-16 text. Save it as “CSV UTF-8” and upload it again.");
        }
        size += bytes.byteLength;
        if (size > maxBytes) throw new AppError("payload_too_large", `The file is larger than ${Math.round(maxBytes / 1024 / 1024)} MB.`);
        if (bytes.includes(0)) throw bad("This is not a text file (it contains binary data). Upload a CSV file.");
        let text: string;
        try {
          text = decoder.decode(bytes, { stream: true });
        } catch {
          throw bad("This file is not UTF-8 text (perhaps Windows-1252 or Latin-1). Save it as “CSV UTF-8” and upload it again.");
        }
        if (!meaningful && /[^\s\ufeff]/.test(text)) meaningful = true;
        if (!out.write(bytes)) await new Promise<void>((r) => out.once("drain", () => r()));
      }
    }
    try {
      decoder.decode();
    } catch {
      throw bad("This file is not UTF-8 text: it ends in the middle of a character. Save it as “CSV UTF-8” and upload it again.");
    }
    if (!meaningful) throw bad("The file is empty.");
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    return { storedName, size };
  } catch (err) {
    // Wait for the stream to let go of the file: one still opening would create it again after the rm.
    await new Promise<void>((resolve) => {
      if (out.closed) return resolve();
      out.once("close", () => resolve());
      out.destroy();
    });
    await fs.promises.rm(file, { force: true });
    throw err;
  }
}

/**
 * The delimiter the header line uses most (outside quotes), of `,` `;` and
 * tab; a one-column file is comma-separated.
 */
export function detectDelimiter(headerLine: string): Delimiter {
  const counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch as Delimiter)) counts.set(ch as Delimiter, counts.get(ch as Delimiter)! + 1);
  }
  let best: Delimiter = ",";
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** The first line of a stored file (BOM dropped), read from its first 64 KB. */
async function firstLine(file: string): Promise<string> {
  const fh = await fs.promises.open(file, "r");
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const text = buf.subarray(0, bytesRead).toString("utf8").replace(/^\ufeff/, "");
    const nl = text.search(/\r|\n/);
    return nl === -1 ? text : text.slice(0, nl);
  } finally {
    await fh.close();
  }
}

/**
 * csv-parse, configured the one way both the preview and the job read a file:
 * BOM dropped, CRLF / LF / CR rows, quoted newlines, ragged rows handed over
 * (the job rejects them one by one), blank lines and all-empty rows skipped.
 */
export function csvParser(delimiter: Delimiter, opts: { track?: ParseTrack; to?: number } = {}): Parser {
  const options: Options = {
    delimiter,
    bom: true,
    record_delimiter: ["\r\n", "\n", "\r"],
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_empty_values: true,
    max_record_size: IMPORT_LIMITS.maxRecordBytes,
    info: true,
    ...(opts.to ? { to: opts.to } : {}),
    // The parser reads ahead of its consumer: the line of its last good row is kept here, for an error's line.
    on_record: (record, context) => {
      if (opts.track) opts.track.lastLine = context.lines;
      return record;
    },
  };
  return parse(options);
}

/** Where the parser itself has got to (not its consumer). */
export type ParseTrack = { lastLine: number };

export type CsvRecord = { record: string[]; info: { lines: number; bytes: number } };

/** The line a record starts on: where it ended, less the newlines quoted inside it. */
export function recordStartLine(r: CsvRecord): number {
  let inner = 0;
  for (const cell of r.record) for (let i = cell.indexOf("\n"); i !== -1; i = cell.indexOf("\n", i + 1)) inner++;
  return r.info.lines - inner;
}

/**
 * csv-parse's error as what the uploader can act on, with the line.
 * `afterLine`: the last line of the last good row (an unclosed quote is only
 * noticed at the end of the file; it opened on the next row).
 */
export function describeCsvError(err: unknown, afterLine: number): { message: string; line: number } {
  const e = err as { code?: string; lines?: number; message?: string };
  const line = typeof e.lines === "number" ? e.lines : afterLine + 1;
  switch (e.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return { line: afterLine + 1, message: `Line ${afterLine + 1}: a quoted value starts here and is never closed.` };
    case "CSV_MAX_RECORD_SIZE":
      return { line: afterLine + 1, message: `Line ${afterLine + 1}: this row is longer than 1 MB — most likely a quote that is never closed.` };
    case "INVALID_OPENING_QUOTE":
    case "CSV_INVALID_CLOSING_QUOTE":
      return { line, message: `Line ${line}: a quote inside a value. Put the whole value in quotes and double the quotes inside it ("").` };
    default:
      return { line, message: `Line ${line}: the file can't be read as CSV (${(e.message ?? "malformed").slice(0, 200)}).` };
  }
}

export type CsvSniff = { delimiter: Delimiter; headers: string[]; preview: string[][] };

/** Header names as fields: trimmed, blanks named by position, repeats numbered (extra data keys must be unique). */
export function cleanHeaders(raw: string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((h, i) => {
    let name = h.replace(/[\u0000-\u001f\u007f]/g, " ").trim().slice(0, 64) || `Column ${i + 1}`;
    const n = (seen.get(name.toLowerCase()) ?? 0) + 1;
    seen.set(name.toLowerCase(), n);
    if (n > 1) name = `${name} (${n})`;
    return name;
  });
}

/**
 * The header and the first rows of a stored file, for the preview. A file
 * that is malformed already there is refused with the line.
 */
export async function sniffCsv(file: string, delimiter?: Delimiter): Promise<CsvSniff> {
  const d = delimiter ?? detectDelimiter(await firstLine(file));
  const input = fs.createReadStream(file);
  const track: ParseTrack = { lastLine: 0 };
  // Only the rows shown are parsed: a fault further down is the job's to report, with its line.
  const parser = input.pipe(csvParser(d, { track, to: IMPORT_LIMITS.previewRows + 1 }));
  const rows: string[][] = [];
  try {
    for await (const r of parser as AsyncIterable<CsvRecord>) rows.push(r.record.map((c) => c.slice(0, IMPORT_LIMITS.previewCell)));
  } catch (err) {
    const { message } = describeCsvError(err, track.lastLine);
    throw bad(message);
  } finally {
    input.destroy();
    parser.destroy();
  }
  if (rows.length === 0) throw bad("The file is empty.");
  const [header, ...preview] = rows;
  if (header.length > IMPORT_LIMITS.maxColumns) throw bad(`The file has ${header.length} columns; at most ${IMPORT_LIMITS.maxColumns} can be imported.`);
  if (preview.length === 0) throw bad("The file has a header row but no rows of data.");
  return { delimiter: d, headers: cleanHeaders(header), preview };
}

/**
 * One CSV cell, RFC 4180 (always quoted, quotes doubled) and safe to open in
 * a spreadsheet: a value starting with = + - @ or a tab/CR is prefixed with
 * an apostrophe so it is never run as a formula.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function csvLine(cells: readonly string[]): string {
  return cells.map(csvCell).join(",") + "\r\n";
}
