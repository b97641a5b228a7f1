"use client";

import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import {
  countryFromLanguages,
  isCountryCode,
  validateContact,
  type ContactErrors,
  type ContactField,
  type CountryOption,
} from "@/lib/chat/contact";

export type ContactFormProps = {
  slug: string;
  heading: string;
  description: string;
  accentColor: string;
  onAccent: string;
  countries: CountryOption[];
  /** From the request's Accept-Language; refined from navigator.languages on mount. */
  defaultCountry: string;
  /** A token this browser held for the project (sent along; marks a returning visitor). */
  storedToken: string | null;
  onStarted: (session: { token: string; conversationId: number }) => void;
};

const FIELDS: ContactField[] = ["name", "phone", "email"];

type NavigatorExtras = Navigator & { connection?: { effectiveType?: string } };

/** What the browser can tell us about where this chat came from (all optional server-side). */
function attributionSnapshot(storedToken: string | null) {
  const nav = navigator as NavigatorExtras;
  return {
    landingUrl: location.href,
    referrer: document.referrer || undefined,
    language: nav.language || undefined,
    connectionType: nav.connection?.effectiveType || undefined,
    timeOnPageMs: Math.round(performance.now()),
    hadToken: storedToken !== null,
    touchPoints: typeof nav.maxTouchPoints === "number" ? Math.min(nav.maxTouchPoints, 64) : undefined,
  };
}

export function ContactForm(props: ContactFormProps) {
  const { countries, slug, storedToken, onStarted } = props;
  const uid = useId();
  const ids = {
    name: `${uid}-name`,
    country: `${uid}-country`,
    phone: `${uid}-phone`,
    email: `${uid}-email`,
    form: `${uid}-form-error`,
  };
  const [values, setValues] = useState({ name: "", phone: "", email: "" });
  const [country, setCountry] = useState(props.defaultCountry);
  const [errors, setErrors] = useState<ContactErrors>({});
  const [touched, setTouched] = useState<Partial<Record<ContactField, boolean>>>({});
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const refs = {
    name: useRef<HTMLInputElement>(null),
    phone: useRef<HTMLInputElement>(null),
    email: useRef<HTMLInputElement>(null),
  };

  // The browser's own language/region beats the server's Accept-Language guess.
  useEffect(() => {
    const fromBrowser = countryFromLanguages([...(navigator.languages ?? []), navigator.language]);
    if (fromBrowser) setCountry(fromBrowser);
    // Mount only: later the visitor's own pick must never be overridden.
  }, []);

  const selected = countries.find((c) => c.code === country);

  function check(next = values, nextCountry = country): ContactErrors {
    return validateContact({ ...next, country: isCountryCode(nextCountry) ? nextCountry : null });
  }

  /** Re-validate the fields the visitor has already left (or all, after a submit). */
  function refresh(next = values, nextCountry = country) {
    const all = check(next, nextCountry);
    setErrors(Object.fromEntries(FIELDS.filter((f) => (submitted || touched[f]) && all[f]).map((f) => [f, all[f]])));
  }

  function update(field: ContactField, value: string) {
    const next = { ...values, [field]: value };
    setValues(next);
    if (submitted || touched[field]) refresh(next);
  }

  function blur(field: ContactField) {
    if (!values[field].trim() && !submitted) return; // don't scold an untouched empty field
    setTouched((t) => ({ ...t, [field]: true }));
    const all = check();
    setErrors((e) => ({ ...e, [field]: all[field] }));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setSubmitted(true);
    setFormError(null);
    const found = check();
    setErrors(found);
    const firstBad = FIELDS.find((f) => found[f]);
    if (firstBad) {
      refs[firstBad].current?.focus();
      return;
    }
    setBusy(true);
    try {
      const res = await fetch("/api/visitor/conversations", {
        method: "POST",
        headers: { "content-type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({
          slug,
          name: values.name,
          country,
          phone: values.phone,
          email: values.email,
          token: storedToken ?? undefined,
          attribution: attributionSnapshot(storedToken),
        }),
      });
      if (res.ok) {
        const body = (await res.json()) as { token: string; conversationId: number };
        onStarted({ token: body.token, conversationId: body.conversationId });
        return;
      }
      const body = (await res.json().catch(() => null)) as { error?: { fields?: Record<string, string> } } | null;
      const fields = body?.error?.fields ?? {};
      const serverErrors: ContactErrors = {};
      for (const f of FIELDS) if (fields[f]) serverErrors[f] = fields[f];
      if (Object.keys(serverErrors).length > 0) {
        setErrors(serverErrors);
        refs[FIELDS.find((f) => serverErrors[f])!].current?.focus();
      } else if (res.status === 403) {
        setFormError("Chat isn't available right now.");
      } else if (res.status === 429) {
        setFormError("Too many attempts. Please wait a moment and try again.");
      } else {
        setFormError("We couldn't start the chat. Please try again.");
      }
    } catch {
      setFormError("You seem to be offline. Check your connection and try again.");
    } finally {
      setBusy(false);
    }
  }

  const inputClass = (bad: boolean) =>
    `block w-full rounded-lg border bg-white px-3 py-2.5 text-base text-slate-900 placeholder:text-slate-400 focus:outline-none focus:ring-2 ${
      bad ? "border-red-500 focus:ring-red-200" : "border-slate-300 focus:border-slate-400 focus:ring-slate-200"
    }`;

  const errorText = (field: ContactField) =>
    errors[field] ? (
      <p id={`${ids[field]}-error`} role="alert" className="mt-1 text-sm text-red-700">
        {errors[field]}
      </p>
    ) : null;

  const describedBy = (field: ContactField, extra?: string) =>
    [errors[field] ? `${ids[field]}-error` : null, extra].filter(Boolean).join(" ") || undefined;

  const international = values.phone.trim().startsWith("+");

  return (
    <section className="px-5 pt-4 pb-8" aria-labelledby={`${uid}-heading`}>
      <div className="rounded-2xl border border-slate-200 bg-slate-50/60 p-4 sm:p-5">
        <h2 id={`${uid}-heading`} className="text-base font-semibold text-slate-900">
          {props.heading}
        </h2>
        {props.description ? <p className="mt-1 text-sm text-slate-600">{props.description}</p> : null}

        <form noValidate onSubmit={submit} className="mt-4 space-y-4" aria-describedby={formError ? ids.form : undefined}>
          <div>
            <label htmlFor={ids.name} className="mb-1 block text-sm font-medium text-slate-700">
              Name
            </label>
            <input
              ref={refs.name}
              id={ids.name}
              name="name"
              autoComplete="name"
              maxLength={100}
              value={values.name}
              onChange={(e) => update("name", e.target.value)}
              onBlur={() => blur("name")}
              aria-invalid={errors.name ? true : undefined}
              aria-describedby={describedBy("name")}
              className={inputClass(!!errors.name)}
            />
            {errorText("name")}
          </div>

          <div className="grid grid-cols-[minmax(0,2fr)_minmax(0,3fr)] gap-2">
            <div>
              <label htmlFor={ids.country} className="mb-1 block text-sm font-medium text-slate-700">
                Country
              </label>
              <select
                id={ids.country}
                name="country"
                autoComplete="country"
                value={country}
                onChange={(e) => {
                  setCountry(e.target.value);
                  if (submitted || touched.phone) refresh(values, e.target.value);
                }}
                className="block w-full rounded-lg border border-slate-300 bg-white px-2 py-2.5 text-base text-slate-900 focus:outline-none focus:ring-2 focus:ring-slate-200"
              >
                {countries.map((c) => (
                  <option key={c.code} value={c.code}>
                    {c.name} ({c.dial})
                  </option>
                ))}
              </select>
            </div>
            <div>
              <label htmlFor={ids.phone} className="mb-1 block text-sm font-medium text-slate-700">
                Phone
              </label>
              <div className="relative">
                {selected && !international ? (
                  <span className="pointer-events-none absolute inset-y-0 left-3 flex items-center text-base text-slate-500" aria-hidden="true">
                    {selected.dial}
                  </span>
                ) : null}
                <input
                  ref={refs.phone}
                  id={ids.phone}
                  name="phone"
                  type="tel"
                  inputMode="tel"
                  autoComplete="tel-national"
                  maxLength={40}
                  value={values.phone}
                  onChange={(e) => update("phone", e.target.value)}
                  onBlur={() => blur("phone")}
                  aria-invalid={errors.phone ? true : undefined}
                  aria-describedby={describedBy("phone")}
                  className={inputClass(!!errors.phone)}
                  style={selected && !international ? { paddingLeft: `${1.2 + selected.dial.length * 0.62}rem` } : undefined}
                />
              </div>
            </div>
            <div className="col-span-2 -mt-1 empty:hidden">{errorText("phone")}</div>
          </div>

          <div>
            <label htmlFor={ids.email} className="mb-1 block text-sm font-medium text-slate-700">
              Email
            </label>
            <input
              ref={refs.email}
              id={ids.email}
              name="email"
              type="email"
              inputMode="email"
              autoComplete="email"
              autoCapitalize="none"
              spellCheck={false}
              maxLength={254}
              value={values.email}
              onChange={(e) => update("email", e.target.value)}
              onBlur={() => blur("email")}
              aria-invalid={errors.email ? true : undefined}
              aria-describedby={describedBy("email")}
              className={inputClass(!!errors.email)}
            />
            {errorText("email")}
          </div>

          {formError ? (
            <p id={ids.form} role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
              {formError}
            </p>
          ) : null}

          <button
            type="submit"
            disabled={busy}
            aria-busy={busy || undefined}
            className="flex w-full items-center justify-center rounded-lg px-4 py-3 text-base font-semibold shadow-sm transition hover:brightness-95 focus:outline-none focus-visible:ring-2 focus-visible:ring-offset-2 disabled:opacity-70"
            style={{ background: props.accentColor, color: props.onAccent }}
          >
            {busy ? (
              <span className="mr-2 inline-block h-4 w-4 animate-spin rounded-full border-2 border-current border-t-transparent" aria-hidden="true" />
            ) : null}
            Start chat
          </button>
        </form>
      </div>
    </section>
  );
}
