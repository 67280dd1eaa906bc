// The graph model of a state machine: its states as nodes, its transitions
// as edges, Parallel branches and Map processors as nested graphs. Pure: it
// reads a parsed definition and nothing else, so it is unit tested alone.

export type EdgeKind = "start" | "next" | "choice" | "default" | "catch" | "end";

export interface Edge {
  from: string;
  to: string;
  kind: EdgeKind;
  label?: string;
}

export interface GNode {
  id: string; // the state's name (unique in the whole machine); "__start"/"__end" for the markers
  type: string; // Task, Pass, ..., or "Start"/"End" for the markers
  comment?: string;
  // Parallel: one graph per branch; Map: one graph, its item processor.
  children?: Graph[];
  // Map: the processor's mode (INLINE or DISTRIBUTED).
  mode?: string;
  state?: Record<string, unknown>; // the state as written
}

export interface Graph {
  startAt: string;
  nodes: GNode[];
  edges: Edge[];
  queryLanguage: "JSONPath" | "JSONata";
}

export const START = "__start";
export const END = "__end";

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** buildGraph makes the model of a definition (already parsed). The top
 * graph has Start and End markers; nested graphs do not. */
export function buildGraph(def: unknown): Graph {
  if (!isObject(def)) throw new Error("the definition is not an object");
  const ql = def.QueryLanguage === "JSONata" ? "JSONata" : "JSONPath";
  const g = machine(def, ql, true);
  return g;
}

function machine(def: Json, inherited: "JSONPath" | "JSONata", top: boolean): Graph {
  const startAt = typeof def.StartAt === "string" ? def.StartAt : "";
  const states = isObject(def.States) ? def.States : {};
  const g: Graph = { startAt, nodes: [], edges: [], queryLanguage: inherited };
  if (top) {
    g.nodes.push({ id: START, type: "Start" });
    if (startAt) g.edges.push({ from: START, to: startAt, kind: "start" });
  }
  let needEnd = false;
  for (const [name, raw] of Object.entries(states)) {
    if (!isObject(raw)) continue;
    const type = typeof raw.Type === "string" ? raw.Type : "?";
    const node: GNode = { id: name, type, state: raw };
    if (typeof raw.Comment === "string") node.comment = raw.Comment;
    const ql = raw.QueryLanguage === "JSONata" || raw.QueryLanguage === "JSONPath" ? raw.QueryLanguage : inherited;
    if (type === "Parallel" && Array.isArray(raw.Branches)) {
      node.children = raw.Branches.filter(isObject).map((b) => machine(b, ql, false));
    }
    if (type === "Map") {
      const proc = isObject(raw.ItemProcessor) ? raw.ItemProcessor : isObject(raw.Iterator) ? raw.Iterator : null;
      if (proc) {
        node.children = [machine(proc, ql, false)];
        const cfg = isObject(proc.ProcessorConfig) ? proc.ProcessorConfig : {};
        node.mode = typeof cfg.Mode === "string" ? cfg.Mode : "INLINE";
      }
    }
    g.nodes.push(node);
    if (type === "Choice") {
      const rules = Array.isArray(raw.Choices) ? raw.Choices : [];
      for (const r of rules) {
        if (isObject(r) && typeof r.Next === "string") {
          g.edges.push({ from: name, to: r.Next, kind: "choice", label: ruleText(r) });
        }
      }
      if (typeof raw.Default === "string") g.edges.push({ from: name, to: raw.Default, kind: "default", label: "Default" });
    } else if (typeof raw.Next === "string") {
      g.edges.push({ from: name, to: raw.Next, kind: "next" });
    }
    if (raw.End === true || type === "Succeed" || type === "Fail") {
      if (top) {
        g.edges.push({ from: name, to: END, kind: "end" });
        needEnd = true;
      }
    }
    if (Array.isArray(raw.Catch)) {
      for (const c of raw.Catch) {
        if (isObject(c) && typeof c.Next === "string") {
          const errs = Array.isArray(c.ErrorEquals) ? c.ErrorEquals.join(", ") : "";
          g.edges.push({ from: name, to: c.Next, kind: "catch", label: errs });
        }
      }
    }
  }
  if (top && (needEnd || g.nodes.length === 1)) g.nodes.push({ id: END, type: "End" });
  // Edges to states that do not exist (an invalid definition) are dropped:
  // the diagram shows what is there.
  const ids = new Set(g.nodes.map((n) => n.id));
  g.edges = g.edges.filter((e) => ids.has(e.from) && ids.has(e.to));
  return g;
}

const comparisons: Record<string, string> = {
  Equals: "==",
  LessThan: "<",
  GreaterThan: ">",
  LessThanEquals: "<=",
  GreaterThanEquals: ">=",
  Matches: "matches",
};

const checks: Record<string, string> = {
  IsNull: "null",
  IsPresent: "present",
  IsNumeric: "numeric",
  IsString: "a string",
  IsBoolean: "a boolean",
  IsTimestamp: "a timestamp",
};

/** ruleText says a Choice rule in one line: "$.n > 3", "not ($.a == "x")",
 * or a JSONata Condition as written. */
export function ruleText(rule: Json): string {
  if (typeof rule.Condition === "string") return unwrap(rule.Condition);
  if (typeof rule.Condition === "boolean") return String(rule.Condition);
  if (Array.isArray(rule.And)) return rule.And.filter(isObject).map((r) => group(ruleText(r))).join(" and ");
  if (Array.isArray(rule.Or)) return rule.Or.filter(isObject).map((r) => group(ruleText(r))).join(" or ");
  if (isObject(rule.Not)) return "not " + group(ruleText(rule.Not));
  const v = typeof rule.Variable === "string" ? rule.Variable : "?";
  for (const [k, val] of Object.entries(rule)) {
    if (k in checks) return `${v} is ${val === false ? "not " : ""}${checks[k]}`;
    const m = /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals|Matches)(Path)?$/.exec(k);
    if (m) {
      const rhs = m[3] ? String(val) : JSON.stringify(val);
      return `${v} ${comparisons[m[2]]} ${rhs}`;
    }
  }
  return v;
}

function group(s: string): string {
  return / (and|or) /.test(s) ? `(${s})` : s;
}

function unwrap(s: string): string {
  const t = s.trim();
  return t.startsWith("{%") && t.endsWith("%}") ? t.slice(2, -2).trim() : t;
}

/** Where a state sits: the chain of containers (Parallel branch or Map
 * processor) from the top. */
export interface Place {
  node: GNode;
  // Containers from the outermost: the container's state name and the
  // branch index (0 for a Map processor).
  path: { container: string; branch: number }[];
}

/** placesOf indexes every state of a graph, nested ones included. */
export function placesOf(g: Graph): Map<string, Place> {
  const out = new Map<string, Place>();
  const walk = (g: Graph, path: Place["path"]) => {
    for (const n of g.nodes) {
      if (n.id === START || n.id === END) continue;
      out.set(n.id, { node: n, path });
      n.children?.forEach((c, i) => walk(c, [...path, { container: n.id, branch: i }]));
    }
  };
  walk(g, []);
  return out;
}
