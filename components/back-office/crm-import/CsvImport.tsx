"use client";

import Link from "next/link";
import { useEffect, useId, useRef, useState } from "react";
import { apiRequest, ApiError, errorText } from "@/components/ui/api";
import { SelectField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { PhoneCountrySelect } from "@/components/back-office/PhoneCountrySelect";
import { useToast } from "@/components/ui/Toast";
import type { ImportColumnField } from "@/db/schema/crm";
import type { ImportOptions, LeadImportDTO } from "@/lib/crm/csv-import";

const FIELD_LABELS: Record<ImportColumnField, string> = {
  name: "Name",
  phone: "Phone",
  email: "Email",
  extra: "Extra data",
  ignore: "Don't import",
};
const FIELDS = Object.keys(FIELD_LABELS) as ImportColumnField[];
const DELIMITER_NAMES: Record<string, string> = { ",": "comma", ";": "semicolon", "\t": "tab" };
const MAX_MB = 50;

/** A header's likely field when this uploader has no choice of last time for it. */
function guessField(header: string, taken: Set<ImportColumnField>): ImportColumnField {
  const h = header.toLowerCase();
  const guess: ImportColumnField = /e-?mail/.test(h) ? "email" : /phone|mobile|tel|cell|whats/.test(h) ? "phone" : /name/.test(h) ? "name" : "extra";
  return guess !== "extra" && taken.has(guess) ? "extra" : guess;
}

function initialMapping(headers: string[], last: ImportOptions["last"]): ImportColumnField[] {
  const taken = new Set<ImportColumnField>();
  return headers.map((h) => {
    let f = last?.fieldsByHeader[h.toLowerCase()] ?? guessField(h, taken);
    if (f !== "extra" && f !== "ignore" && taken.has(f)) f = "extra";
    taken.add(f);
    return f;
  });
}

const fmtBytes = (n: number) => (n < 1024 * 1024 ? `${Math.max(1, Math.round(n / 1024))} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

/**
 * CSV upload of leads (admin and manager consoles, one implementation):
 * upload → preview and map the columns → a background import with a progress
 * bar → the exact counts and the rejected rows as a CSV download.
 */
export function CsvImport({ console: consoleName }: { console: "admin" | "manager" }) {
  const toast = useToast();
  const baseId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [options, setOptions] = useState<ImportOptions | null>(null);
  const [optionsError, setOptionsError] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const [uploading, setUploading] = useState(false);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [imp, setImp] = useState<LeadImportDTO | null>(null);
  const [mapping, setMapping] = useState<ImportColumnField[]>([]);
  const [projectId, setProjectId] = useState<string>("");
  const [country, setCountry] = useState<string>("");
  const [duplicates, setDuplicates] = useState<"skip" | "merge">("skip");
  const [starting, setStarting] = useState(false);
  const [startErrors, setStartErrors] = useState<Record<string, string>>({});
  const [pollError, setPollError] = useState<string | null>(null);
  const crmHref = `/${consoleName}/crm`;

  useEffect(() => {
    apiRequest<ImportOptions>("/api/crm/imports")
      .then((o) => {
        setOptions(o);
        setProjectId(String(o.last?.projectId ?? o.projects[0]?.id ?? ""));
        setCountry(o.last?.defaultCountry ?? "");
        setDuplicates(o.last?.duplicates ?? "skip");
      })
      .catch((err) => setOptionsError(errorText(err)));
  }, []);

  // While the job runs: poll every second.
  const running = imp?.status === "queued" || imp?.status === "running";
  useEffect(() => {
    if (!running || !imp) return;
    const t = setInterval(() => {
      apiRequest<LeadImportDTO>(`/api/crm/imports/${imp.id}`)
        .then((next) => {
          setPollError(null);
          setImp(next);
          if (next.status === "done") toast(`Import finished: ${next.counts.imported} leads imported.`);
          if (next.status === "failed") toast("The import failed; nothing was imported.", "error");
        })
        .catch((err) => setPollError(errorText(err)));
    }, 1000);
    return () => clearInterval(t);
  }, [running, imp, toast]);

  async function upload(e: React.FormEvent) {
    e.preventDefault();
    if (!file) return setUploadError("Choose a CSV file first.");
    if (file.size > MAX_MB * 1024 * 1024) return setUploadError(`The file is larger than ${MAX_MB} MB.`);
    setUploading(true);
    setUploadError(null);
    try {
      const next = await apiRequest<LeadImportDTO>(`/api/crm/imports?fileName=${encodeURIComponent(file.name)}`, {
        method: "POST",
        headers: { "content-type": "text/csv" },
        body: file,
      });
      setImp(next);
      setMapping(initialMapping(next.headers, options?.last ?? null));
      setStartErrors({});
    } catch (err) {
      setUploadError(err instanceof ApiError && err.fields.file ? err.fields.file : errorText(err));
    } finally {
      setUploading(false);
    }
  }

  async function start(e: React.FormEvent) {
    e.preventDefault();
    if (!imp) return;
    setStarting(true);
    setStartErrors({});
    try {
      const next = await apiRequest<LeadImportDTO>(`/api/crm/imports/${imp.id}/start`, {
        method: "POST",
        json: { projectId: Number(projectId), mapping, defaultCountry: country || null, duplicates },
      });
      setImp(next);
    } catch (err) {
      setStartErrors(err instanceof ApiError && Object.keys(err.fields).length ? err.fields : { _: errorText(err) });
    } finally {
      setStarting(false);
    }
  }

  function reset() {
    setImp(null);
    setFile(null);
    setUploadError(null);
    setPollError(null);
    if (fileInput.current) fileInput.current.value = "";
    // The next file starts from the choices just made.
    apiRequest<ImportOptions>("/api/crm/imports").then(setOptions).catch(() => {});
  }

  const setField = (i: number, f: ImportColumnField) => setMapping((m) => m.map((x, j) => (j === i ? f : x)));

  return (
    <section aria-labelledby={`${baseId}-title`} className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <div>
          <h1 id={`${baseId}-title`} className="text-xl font-semibold">
            Import leads from CSV
          </h1>
          <p className="text-sm text-slate-600">Upload a CSV file (UTF-8, comma, semicolon or tab separated, up to {MAX_MB} MB), map its columns, and import it into a project.</p>
        </div>
        <Link href={crmHref} className={ui.button.secondary}>
          ← Back to CRM
        </Link>
      </div>

      {optionsError ? (
        <p role="alert" className={ui.alert}>
          {optionsError}
        </p>
      ) : null}

      {!imp ? (
        <form onSubmit={upload} className={`${ui.card} space-y-3 p-4`} aria-labelledby={`${baseId}-step1`}>
          <h2 id={`${baseId}-step1`} className="font-medium">
            1. Choose a file
          </h2>
          <div>
            <label htmlFor={`${baseId}-file`} className="mb-1 block text-sm font-medium">
              CSV file
            </label>
            <input
              ref={fileInput}
              id={`${baseId}-file`}
              type="file"
              accept=".csv,.tsv,.txt,text/csv,text/plain"
              className="block w-full text-sm file:mr-3 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5 file:text-sm"
              aria-invalid={uploadError ? true : undefined}
              aria-describedby={uploadError ? `${baseId}-file-error` : `${baseId}-file-hint`}
              onChange={(e) => {
                setFile(e.target.files?.[0] ?? null);
                setUploadError(null);
              }}
            />
            {uploadError ? (
              <p id={`${baseId}-file-error`} role="alert" className="mt-1 text-sm text-red-700">
                {uploadError}
              </p>
            ) : (
              <p id={`${baseId}-file-hint`} className="mt-1 text-xs text-slate-500">
                The first row must name the columns. Excel: “Save as → CSV UTF-8”.
              </p>
            )}
          </div>
          <button type="submit" className={ui.button.primary} disabled={uploading || !file}>
            {uploading ? "Uploading…" : "Upload and preview"}
          </button>
        </form>
      ) : null}

      {imp?.status === "uploaded" ? (
        <form onSubmit={start} className={`${ui.card} space-y-4 p-4`} aria-labelledby={`${baseId}-step2`}>
          <div>
            <h2 id={`${baseId}-step2`} className="font-medium">
              2. Map the columns
            </h2>
            <p className="text-sm text-slate-600">
              {imp.fileName} · {fmtBytes(imp.sizeBytes)} · {DELIMITER_NAMES[imp.delimiter] ?? imp.delimiter} separated · first {imp.preview.length} rows shown
            </p>
          </div>
          <div className="overflow-x-auto rounded-md border border-slate-200">
            <table className="min-w-full text-left text-sm">
              <caption className="sr-only">Preview of the file and what each column becomes</caption>
              <thead className="bg-slate-50">
                <tr>
                  {imp.headers.map((h, i) => (
                    <th key={i} scope="col" className="min-w-36 px-3 py-2 align-top font-medium">
                      <span className="mb-1 block truncate" title={h}>
                        {h}
                      </span>
                      <select
                        aria-label={`Column “${h}” becomes`}
                        className={`${ui.input} py-1`}
                        value={mapping[i] ?? "extra"}
                        onChange={(e) => setField(i, e.target.value as ImportColumnField)}
                      >
                        {FIELDS.map((f) => (
                          <option key={f} value={f}>
                            {FIELD_LABELS[f]}
                          </option>
                        ))}
                      </select>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {imp.preview.map((row, r) => (
                  <tr key={r} className="border-t border-slate-100">
                    {imp.headers.map((_, c) => (
                      <td key={c} className={`max-w-64 truncate px-3 py-1.5 ${mapping[c] === "ignore" ? "text-slate-400 line-through" : ""}`} title={row[c] ?? ""}>
                        {row[c] ?? <span className="text-slate-400">—</span>}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {startErrors.mapping ? (
            <p role="alert" className={ui.alert}>
              {startErrors.mapping}
            </p>
          ) : null}
          <div className="grid gap-4 sm:grid-cols-3">
            <SelectField label="Project" value={projectId} onChange={(e) => setProjectId(e.target.value)} error={startErrors.projectId} required>
              {options?.projects.length ? null : <option value="">No projects</option>}
              {options?.projects.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.title}
                  {p.isDefault ? " (default)" : ""}
                </option>
              ))}
            </SelectField>
            <PhoneCountrySelect value={country} onChange={setCountry} error={startErrors.defaultCountry} />
            <fieldset>
              <legend className="mb-1 block text-sm font-medium">Same phone or email as a lead in the project</legend>
              <label className="flex items-center gap-2 text-sm">
                <input type="radio" name={`${baseId}-dup`} value="skip" checked={duplicates === "skip"} onChange={() => setDuplicates("skip")} />
                Skip the row
              </label>
              <label className="flex items-center gap-2 text-sm">
                <input type="radio" name={`${baseId}-dup`} value="merge" checked={duplicates === "merge"} onChange={() => setDuplicates("merge")} />
                Merge into the lead (fills blanks, adds extra data)
              </label>
            </fieldset>
          </div>
          {startErrors._ ? (
            <p role="alert" className={ui.alert}>
              {startErrors._}
            </p>
          ) : null}
          <div className="flex flex-wrap gap-2">
            <button type="submit" className={ui.button.primary} disabled={starting || !projectId}>
              {starting ? "Starting…" : "Import"}
            </button>
            <button type="button" className={ui.button.secondary} onClick={reset}>
              Choose another file
            </button>
          </div>
        </form>
      ) : null}

      {running && imp ? (
        <div className={`${ui.card} space-y-2 p-4`} aria-live="polite">
          <h2 className="font-medium">3. Importing {imp.fileName}…</h2>
          <div
            role="progressbar"
            aria-label="Import progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={imp.progress}
            className="h-3 w-full overflow-hidden rounded-full bg-slate-100"
          >
            <div className="h-full rounded-full bg-blue-600 transition-all" style={{ width: `${imp.progress}%` }} />
          </div>
          <p className="text-sm text-slate-600">
            {imp.status === "queued" ? "Waiting to start…" : `${imp.progress}% · ${imp.counts.total.toLocaleString()} rows read`}
          </p>
          {pollError ? <p className="text-sm text-amber-700">Can't get the progress right now ({pollError}); still trying.</p> : null}
        </div>
      ) : null}

      {imp?.status === "done" ? <ImportSummary imp={imp} crmHref={crmHref} onAgain={reset} /> : null}

      {imp?.status === "failed" ? (
        <div className={`${ui.card} space-y-3 p-4`} role="alert">
          <h2 className="font-medium text-red-800">The file was not imported</h2>
          <p className="text-sm text-red-700">{imp.error}</p>
          <p className="text-sm text-slate-600">Nothing from this file was imported. Fix the file and upload it again.</p>
          <button type="button" className={ui.button.primary} onClick={reset}>
            Upload a file
          </button>
        </div>
      ) : null}
    </section>
  );
}

function ImportSummary({ imp, crmHref, onAgain }: { imp: LeadImportDTO; crmHref: string; onAgain: () => void }) {
  const c = imp.counts;
  const items = [
    { label: "Imported as new leads", value: c.imported, tone: "text-emerald-700" },
    ...(imp.duplicates === "merge" ? [{ label: "Merged into existing leads", value: c.merged, tone: "text-blue-700" }] : [{ label: "Skipped as duplicates", value: c.skipped, tone: "text-slate-700" }]),
    { label: "Rejected", value: c.rejected, tone: c.rejected ? "text-red-700" : "text-slate-700" },
    { label: "Rows in the file", value: c.total, tone: "text-slate-900" },
  ];
  return (
    <div className={`${ui.card} space-y-4 p-4`}>
      <h2 className="font-medium">Import finished: {imp.fileName}</h2>
      <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4" aria-label="Import result">
        {items.map((it) => (
          <div key={it.label} className="rounded-md bg-slate-50 p-3">
            <dt className="text-xs text-slate-600">{it.label}</dt>
            <dd className={`text-2xl font-semibold tabular-nums ${it.tone}`}>{it.value.toLocaleString()}</dd>
          </div>
        ))}
      </dl>
      <div className="flex flex-wrap gap-2">
        {imp.hasRejectedFile ? (
          <a href={`/api/crm/imports/${imp.id}/rejected`} download className={ui.button.secondary}>
            Download rejected rows ({c.rejected.toLocaleString()}) with reasons
          </a>
        ) : null}
        <Link href={crmHref} className={ui.button.primary}>
          Open the CRM
        </Link>
        <button type="button" className={ui.button.secondary} onClick={onAgain}>
          Import another file
        </button>
      </div>
    </div>
  );
}
