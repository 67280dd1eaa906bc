// Small formatting helpers shared by the pages.

/** seconds takes the API's epoch seconds (or ms from the console API) to ms. */
export function apiTime(v: unknown): number | undefined {
  if (typeof v === "number") return v > 1e11 ? v : Math.round(v * 1000);
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

export function when(ms: number | undefined): string {
  if (ms === undefined) return "—";
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function duration(ms: number | undefined): string {
  if (ms === undefined || ms < 0) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m - h * 60} min`;
}

/** arnName is the last part of an ARN (a state machine's or execution's name). */
export function arnName(arn: string): string {
  const parts = arn.split(":");
  if (parts[5] === "execution" || parts[5] === "express") return parts[7] ?? arn;
  return parts[6] ?? arn;
}

/** pretty indents JSON text; text that is not JSON is given back as is. */
export function pretty(text: string | undefined): string {
  if (text === undefined) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
