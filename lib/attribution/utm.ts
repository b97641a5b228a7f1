import { clean, MAX } from "./limits";

export type Campaign = {
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmTerm: string | null;
  utmContent: string | null;
  gclid: string | null;
  fbclid: string | null;
};

export type CampaignInput = Partial<Record<keyof Campaign, string | null | undefined>> & {
  /** The page URL the visitor landed on (`location.href`). */
  landingUrl?: string | null;
};

const PARAMS: Record<keyof Campaign, [param: string, max: number]> = {
  utmSource: ["utm_source", MAX.utm],
  utmMedium: ["utm_medium", MAX.utm],
  utmCampaign: ["utm_campaign", MAX.utm],
  utmTerm: ["utm_term", MAX.utm],
  utmContent: ["utm_content", MAX.utm],
  gclid: ["gclid", MAX.clickId],
  fbclid: ["fbclid", MAX.clickId],
};

/**
 * An absolute http(s) URL, or null. Relative values are resolved against
 * `base` when one is given (a landing URL reported as "/p/default?utm_source=x").
 */
export function parseHttpUrl(value: string | null | undefined, base?: string): URL | null {
  if (!value || value.length > MAX.url) return null;
  try {
    const url = base ? new URL(value, base) : new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

/**
 * UTM parameters and ad click ids. Values given directly win (the widget may
 * have kept the first-touch values); otherwise they come from the landing URL.
 */
export function extractCampaign(input: CampaignInput): Campaign {
  const url = parseHttpUrl(input.landingUrl ?? null, "http://landing.invalid");
  const out = {} as Campaign;
  for (const key of Object.keys(PARAMS) as (keyof Campaign)[]) {
    const [param, max] = PARAMS[key];
    out[key] = clean(input[key], max) ?? clean(url?.searchParams.get(param) ?? null, max);
  }
  return out;
}

/** Hostname of a URL, lower-case, without port; null when it isn't an http(s) URL. */
export function hostOf(value: string | null | undefined): string | null {
  const url = parseHttpUrl(value ?? null);
  return url ? clean(url.hostname.toLowerCase(), MAX.host) : null;
}

/** Where the visitor came from: the referrer's host, else the landing page's host. */
export function sourceDomain(referrer: string | null | undefined, landingUrl: string | null | undefined): string | null {
  return hostOf(referrer) ?? hostOf(landingUrl);
}
