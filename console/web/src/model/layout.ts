// Positions for a graph model, by dagre. A Parallel or Map is laid out from
// the inside out: each branch (or processor) is a graph of its own, laid out
// first; the container is then one node of its parent's graph, as large as
// its branches side by side. Transitions never cross a container's edge in
// ASL, so nothing is lost by laying levels out apart.

import dagre from "@dagrejs/dagre";
import { END, START, type Edge, type GNode, type Graph } from "./graph";

export interface Point {
  x: number;
  y: number;
}

export interface Box {
  node: GNode;
  x: number; // top-left, relative to the enclosing level
  y: number;
  w: number;
  h: number;
  // Containers: each branch's level, positioned inside the box.
  lanes?: Level[];
}

export interface Route {
  edge: Edge;
  points: Point[];
  label?: Point;
}

export interface Level {
  x: number;
  y: number;
  w: number;
  h: number;
  boxes: Box[];
  routes: Route[];
}

export const HEADER = 30; // a container's title bar
const PAD = 16;
const GAP = 20;
const CHAR = 7.2; // average width of a character of the diagram's font

function nodeSize(n: GNode): { w: number; h: number } {
  if (n.id === START || n.id === END) return { w: 64, h: 28 };
  const text = Math.max(n.id.length, n.type.length + 2);
  return { w: Math.max(120, Math.min(320, Math.round(text * CHAR) + 32)), h: 44 };
}

/** layout positions a graph (recursively). */
export function layout(g: Graph): Level {
  const boxes = new Map<string, Box>();
  for (const n of g.nodes) {
    if (n.children && n.children.length > 0) {
      const lanes = n.children.map(layout);
      let w = PAD;
      let h = 0;
      for (const lane of lanes) {
        lane.x = w;
        lane.y = HEADER + PAD;
        w += lane.w + GAP;
        h = Math.max(h, lane.h);
      }
      w = Math.max(w - GAP + PAD, nodeSize(n).w);
      boxes.set(n.id, { node: n, x: 0, y: 0, w, h: HEADER + PAD + h + PAD, lanes });
    } else {
      boxes.set(n.id, { node: n, x: 0, y: 0, ...nodeSize(n) });
    }
  }
  const dg = new dagre.graphlib.Graph({ multigraph: true });
  dg.setGraph({ rankdir: "TB", nodesep: 28, ranksep: 44, edgesep: 12, marginx: 8, marginy: 8 });
  dg.setDefaultEdgeLabel(() => ({}));
  for (const [id, b] of boxes) dg.setNode(id, { width: b.w, height: b.h });
  g.edges.forEach((e, i) => {
    const label = e.label && e.kind !== "default" ? e.label : e.kind === "default" ? "Default" : undefined;
    const lw = label ? Math.min(220, label.length * 6.2 + 8) : 0;
    dg.setEdge(e.from, e.to, label ? { width: lw, height: 16, labelpos: "c" } : {}, `e${i}`);
  });
  dagre.layout(dg);
  for (const [id, b] of boxes) {
    const p = dg.node(id);
    b.x = p.x - b.w / 2;
    b.y = p.y - b.h / 2;
  }
  const routes: Route[] = g.edges.map((e, i) => {
    const de = dg.edge({ v: e.from, w: e.to, name: `e${i}` }) as { points?: Point[]; x?: number; y?: number };
    return { edge: e, points: de.points ?? [], label: de.x !== undefined && e.label ? { x: de.x, y: de.y! } : undefined };
  });
  const gl = dg.graph();
  return { x: 0, y: 0, w: gl.width ?? 0, h: gl.height ?? 0, boxes: [...boxes.values()], routes };
}
