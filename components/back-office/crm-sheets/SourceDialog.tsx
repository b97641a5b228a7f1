"use client";

import { useEffect, useState } from "react";
import { apiRequest, ApiError, errorText } from "@/components/ui/api";
import { Dialog } from "@/components/ui/Dialog";
import { FormAlert, SelectField, TextField } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { PhoneCountrySelect } from "@/components/back-office/PhoneCountrySelect";
import { useToast } from "@/components/ui/Toast";
import type { SheetField, SheetSourceDTO, SheetSourcesPage } from "@/lib/crm/sheets/sources";

const FIELD_LABELS: Record<SheetField, string> = {
  name: "Name",
  phone: "Phone",
  email: "Email",
  extra: "Extra data",
  ignore: "Don't import",
};
const FIELDS = Object.keys(FIELD_LABELS) as SheetField[];

/** A header's likely field (the CSV import's guess), each of name/phone/email at most once. */
export function guessMapping(headers: string[], previous: Record<string, SheetField> = {}): Record<string, SheetField> {
  const taken = new Set<SheetField>();
  const out: Record<string, SheetField> = {};
  for (const header of headers) {
    const h = header.toLowerCase();
    let f: SheetField = previous[header] ?? (/e-?mail/.test(h) ? "email" : /phone|mobile|tel|cell|whats/.test(h) ? "phone" : /name/.test(h) ? "name" : "extra");
    if (f !== "extra" && f !== "ignore" && taken.has(f)) f = "extra";
    taken.add(f);
    out[header] = f;
  }
  return out;
}

type Props = {
  open: boolean;
  onClose: () => void;
  /** The source to edit, or null to add one. */
  source: SheetSourceDTO | null;
  page: SheetSourcesPage;
  onSaved: (s: SheetSourceDTO) => void;
};

/**
 * Add or edit a source: the sheet and range, the project, the interval, then
 * "Read headers" reads the header row live and each column is mapped.
 */
export function SourceDialog({ open, onClose, source, page, onSaved }: Props) {
  const toast = useToast();
  const { interval, defaultRange } = page.limits;
  const [name, setName] = useState("");
  const [sheet, setSheet] = useState("");
  const [range, setRange] = useState(defaultRange);
  const [projectId, setProjectId] = useState("");
  const [seconds, setSeconds] = useState(String(interval.default));
  const [country, setCountry] = useState("");
  const [headers, setHeaders] = useState<string[]>([]);
  const [mapping, setMapping] = useState<Record<string, SheetField>>({});
  const [reading, setReading] = useState(false);
  const [saving, setSaving] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});

  useEffect(() => {
    if (!open) return;
    setName(source?.name ?? "");
    setSheet(source?.sheetUrl ?? "");
    setRange(source?.range ?? defaultRange);
    setProjectId(String(source?.projectId ?? page.projects[0]?.id ?? ""));
    setSeconds(String(source?.pollIntervalSec ?? interval.default));
    setCountry(source?.defaultCountry ?? "");
    const known = source ? (source.headers.length ? source.headers : Object.keys(source.mapping)) : [];
    setHeaders(known);
    setMapping(source ? Object.fromEntries(known.map((h) => [h, source.mapping[h] ?? "ignore"])) : {});
    setErrors({});
    // Only when the dialog opens (or switches source): typing must not be reset by a list refresh.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, source?.id]);

  async function readHeaders() {
    setReading(true);
    setErrors({});
    try {
      const q = new URLSearchParams({ sheet, range });
      const r = await apiRequest<{ headers: string[] }>(`/api/crm/sheets/headers?${q}`);
      setHeaders(r.headers);
      setMapping(guessMapping(r.headers, mapping));
    } catch (err) {
      setErrors(err instanceof ApiError && Object.keys(err.fields).length ? err.fields : { _: errorText(err) });
    } finally {
      setReading(false);
    }
  }

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setSaving(true);
    setErrors({});
    const body = { name, sheet, range, projectId: Number(projectId), pollIntervalSec: Number(seconds), defaultCountry: country || null, mapping };
    try {
      const saved = source
        ? await apiRequest<SheetSourceDTO>(`/api/crm/sheets/${source.id}`, { method: "PATCH", json: body })
        : await apiRequest<SheetSourceDTO>("/api/crm/sheets", { method: "POST", json: body });
      toast(source ? "Source saved." : "Source added: it is read within a few seconds.");
      onSaved(saved);
    } catch (err) {
      setErrors(err instanceof ApiError && Object.keys(err.fields).length ? err.fields : { _: errorText(err) });
    } finally {
      setSaving(false);
    }
  }

  const formId = "sheet-source-form";
  return (
    <Dialog
      open={open}
      onClose={onClose}
      wide
      title={source ? `Edit “${source.name}”` : "Add a Google Sheet"}
      description="New rows become leads of the project. A row already imported is never imported again."
      footer={
        <>
          <button type="button" className={ui.button.secondary} onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form={formId} className={ui.button.primary} disabled={saving || headers.length === 0}>
            {saving ? "Saving…" : source ? "Save" : "Add source"}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={save} className="space-y-4">
        <TextField label="Name" value={name} onChange={(e) => setName(e.target.value)} error={errors.name} required maxLength={100} placeholder="Facebook lead ads" />
        <TextField
          label="Sheet URL or ID"
          value={sheet}
          onChange={(e) => setSheet(e.target.value)}
          error={errors.sheet}
          required
          placeholder="https://docs.google.com/spreadsheets/d/…"
          hint="The address of the sheet in your browser, or just its ID."
        />
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField label="Range" value={range} onChange={(e) => setRange(e.target.value)} error={errors.range} required hint="Its first row names the columns." />
          <TextField
            label="Poll every (seconds)"
            type="number"
            inputMode="numeric"
            min={interval.min}
            max={interval.max}
            value={seconds}
            onChange={(e) => setSeconds(e.target.value)}
            error={errors.pollIntervalSec}
            required
            hint={`From ${interval.min} s to a day; 60 s by default.`}
          />
        </div>
        <div className="grid gap-4 sm:grid-cols-2">
          <SelectField label="Project" value={projectId} onChange={(e) => setProjectId(e.target.value)} error={errors.projectId} required>
            {page.projects.length ? null : <option value="">No projects</option>}
            {page.projects.map((p) => (
              <option key={p.id} value={p.id}>
                {p.title}
                {p.isDefault ? " (default)" : ""}
              </option>
            ))}
          </SelectField>
          <PhoneCountrySelect value={country} onChange={setCountry} error={errors.defaultCountry} />
        </div>

        <div className="space-y-2">
          <div className="flex flex-wrap items-center justify-between gap-2">
            <h3 className="text-sm font-medium">Columns</h3>
            <button type="button" className={ui.button.secondary} onClick={readHeaders} disabled={reading || sheet.trim() === ""}>
              {reading ? "Reading…" : headers.length ? "Read headers again" : "Read headers"}
            </button>
          </div>
          {headers.length === 0 ? (
            <p className="text-sm text-slate-600">Read the sheet&apos;s header row to choose what each column becomes.</p>
          ) : (
            <ul className="divide-y divide-slate-100 rounded-md border border-slate-200" aria-label="What each column becomes">
              {headers.map((h) => (
                <li key={h} className="grid items-center gap-1 px-3 py-2 sm:grid-cols-[minmax(0,1fr)_11rem] sm:gap-3">
                  <span className="min-w-0 truncate text-sm" title={h}>
                    {h}
                  </span>
                  <select
                    aria-label={`Column “${h}” becomes`}
                    className={`${ui.input} py-1`}
                    value={mapping[h] ?? "ignore"}
                    onChange={(e) => setMapping((m) => ({ ...m, [h]: e.target.value as SheetField }))}
                  >
                    {FIELDS.map((f) => (
                      <option key={f} value={f}>
                        {FIELD_LABELS[f]}
                      </option>
                    ))}
                  </select>
                </li>
              ))}
            </ul>
          )}
          {errors.mapping ? <FormAlert>{errors.mapping}</FormAlert> : null}
          {source ? <p className="text-xs text-slate-500">Rows already imported stay single: after a change, a row whose phone or email this source already imported is not imported again.</p> : null}
        </div>
        {errors._ ? <FormAlert>{errors._}</FormAlert> : null}
      </form>
    </Dialog>
  );
}
