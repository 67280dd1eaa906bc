// Hash routes: every view has its own link (#/executions/ARN?view=events),
// and the server serves one page whatever the route.

import { useEffect, useState } from "preact/hooks";

export interface Route {
  parts: string[]; // decoded path segments
  query: URLSearchParams;
}

export function parse(hash: string): Route {
  const h = hash.replace(/^#/, "");
  const [path, q = ""] = h.split("?", 2);
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { parts, query: new URLSearchParams(q) };
}

export function href(parts: string[], query: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, String(v));
  const qs = q.toString();
  return "#/" + parts.map(encodeURIComponent).join("/") + (qs ? `?${qs}` : "");
}

export function go(parts: string[], query: Record<string, string | number | undefined> = {}, replace = false): void {
  const h = href(parts, query);
  if (replace) history.replaceState(null, "", h);
  else location.hash = h;
  if (replace) dispatchEvent(new HashChangeEvent("hashchange"));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const on = () => setRoute(parse(location.hash));
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}
