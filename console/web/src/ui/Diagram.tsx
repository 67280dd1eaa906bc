// The state machine drawn as SVG from its layout. States are coloured by
// status when statuses are given; selecting one calls onSelect.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { END, START, type Graph } from "../model/graph";
import type { Status } from "../model/history";
import { HEADER, layout, type Box, type Level, type Point } from "../model/layout";

interface Props {
  graph: Graph;
  statuses?: Map<string, Status>;
  selected?: string;
  onSelect?: (name: string) => void;
}

function path(points: Point[]): string {
  if (points.length === 0) return "";
  let d = `M${points[0].x},${points[0].y}`;
  if (points.length === 2) return d + `L${points[1].x},${points[1].y}`;
  // A smooth curve through dagre's control points.
  for (let i = 1; i < points.length - 1; i++) {
    const p = points[i];
    const n = points[i + 1];
    const mid = i === points.length - 2 ? n : { x: (p.x + n.x) / 2, y: (p.y + n.y) / 2 };
    d += `Q${p.x},${p.y} ${mid.x},${mid.y}`;
  }
  return d;
}

function LevelView(props: { level: Level; ox: number; oy: number } & Omit<Props, "graph">) {
  const { level, ox, oy } = props;
  return (
    <g transform={`translate(${ox + level.x},${oy + level.y})`}>
      {level.routes.map((r, i) => (
        <g class={`edge edge-${r.edge.kind}`} key={i}>
          <path d={path(r.points)} marker-end="url(#arrow)" />
          {r.label && r.edge.label && (
            <text x={r.label.x} y={r.label.y + 4} text-anchor="middle" class="edge-label">
              {r.edge.label.length > 34 ? r.edge.label.slice(0, 33) + "…" : r.edge.label}
            </text>
          )}
        </g>
      ))}
      {level.boxes.map((b) => (
        <BoxView key={b.node.id} box={b} {...props} />
      ))}
    </g>
  );
}

function BoxView(props: { box: Box } & Omit<Props, "graph">) {
  const { box: b, statuses, selected, onSelect } = props;
  const n = b.node;
  if (n.id === START || n.id === END) {
    return (
      <g class="marker">
        <rect x={b.x} y={b.y} width={b.w} height={b.h} rx={b.h / 2} />
        <text x={b.x + b.w / 2} y={b.y + b.h / 2 + 4} text-anchor="middle">{n.id === START ? "Start" : "End"}</text>
      </g>
    );
  }
  const status = statuses ? statuses.get(n.id) ?? "notReached" : "none";
  const cls = `state type-${n.type} status-${status}${selected === n.id ? " selected" : ""}${b.lanes ? " container" : ""}`;
  const click = (e: MouseEvent) => {
    e.stopPropagation();
    onSelect?.(n.id);
  };
  if (b.lanes) {
    return (
      <g class={cls} data-state={n.id} data-status={status} onClick={click}>
        <rect x={b.x} y={b.y} width={b.w} height={b.h} rx={6} />
        <text x={b.x + 10} y={b.y + 19} class="title">{n.id}</text>
        <text x={b.x + b.w - 10} y={b.y + 19} text-anchor="end" class="kind">{n.type}{n.mode === "DISTRIBUTED" ? " (distributed)" : ""}</text>
        {b.lanes.map((lane, i) => (
          <g key={i}>
            <rect class="lane" x={b.x + lane.x - 4} y={b.y + lane.y - 4} width={lane.w + 8} height={lane.h + 8} rx={4} />
            <LevelView level={{ ...lane, x: 0, y: 0 }} ox={b.x + lane.x} oy={b.y + lane.y} statuses={statuses} selected={selected} onSelect={onSelect} />
          </g>
        ))}
        {b.lanes.length === 0 && <text x={b.x + 10} y={b.y + HEADER + 14} class="kind">no states</text>}
      </g>
    );
  }
  return (
    <g class={cls} data-state={n.id} data-status={status} onClick={click}>
      <rect x={b.x} y={b.y} width={b.w} height={b.h} rx={6} />
      <text x={b.x + b.w / 2} y={b.y + 19} text-anchor="middle" class="title">{n.id}</text>
      <text x={b.x + b.w / 2} y={b.y + 34} text-anchor="middle" class="kind">{n.type}</text>
    </g>
  );
}

/** svgText gives the drawing as a standalone SVG document, with the
 * page's colours written into it. */
export function svgText(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute("xmlns", "http://www.w3.org/2000/svg");
  const css = getComputedStyle(document.documentElement);
  const vars = ["--bg", "--fg", "--muted", "--line", "--panel", "--ok", "--fail", "--caught", "--cancel", "--run", "--idle", "--accent"]
    .map((v) => `${v}:${css.getPropertyValue(v)}`).join(";");
  const style = document.createElementNS("http://www.w3.org/2000/svg", "style");
  style.textContent = `svg{${vars}}` + diagramCSS();
  copy.insertBefore(style, copy.firstChild);
  return new XMLSerializer().serializeToString(copy);
}

function diagramCSS(): string {
  for (const sheet of Array.from(document.styleSheets)) {
    try {
      return Array.from(sheet.cssRules).map((r) => r.cssText).filter((t) => t.startsWith(".diagram")).join("\n");
    } catch {
      // a sheet of another origin: not ours
    }
  }
  return "";
}

export function Diagram(props: Props) {
  const level = useMemo(() => layout(props.graph), [props.graph]);
  const [zoom, setZoom] = useState(1);
  const svg = useRef<SVGSVGElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const w = Math.max(level.w, 200);
  const h = Math.max(level.h, 100);
  // A machine wider than the page starts shrunk to fit its width.
  useEffect(() => {
    const room = (box.current?.clientWidth ?? w) - 24;
    setZoom(w > room ? Math.max(0.3, room / w) : 1);
  }, [level]);
  const download = (name: string, href: string) => {
    const a = document.createElement("a");
    a.href = href;
    a.download = name;
    a.click();
  };
  const exportSVG = () => {
    if (!svg.current) return;
    download("state-machine.svg", URL.createObjectURL(new Blob([svgText(svg.current)], { type: "image/svg+xml" })));
  };
  const exportPNG = () => {
    if (!svg.current) return;
    const img = new Image();
    img.onload = () => {
      const c = document.createElement("canvas");
      c.width = w * 2;
      c.height = h * 2;
      const ctx = c.getContext("2d")!;
      ctx.fillStyle = getComputedStyle(document.documentElement).getPropertyValue("--bg") || "#fff";
      ctx.fillRect(0, 0, c.width, c.height);
      ctx.drawImage(img, 0, 0, c.width, c.height);
      download("state-machine.png", c.toDataURL("image/png"));
    };
    img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText(svg.current));
  };
  return (
    <div class="diagram-frame">
      <div class="diagram-tools">
        <button onClick={() => setZoom((z) => Math.min(2, z * 1.2))} title="Zoom in">+</button>
        <button onClick={() => setZoom((z) => Math.max(0.3, z / 1.2))} title="Zoom out">−</button>
        <button onClick={() => setZoom(1)} title="Actual size">1:1</button>
        <button onClick={exportSVG} data-testid="export-svg">SVG</button>
        <button onClick={exportPNG} data-testid="export-png">PNG</button>
      </div>
      <div class="diagram-scroll" ref={box}>
        <svg ref={svg} class="diagram" data-testid="diagram" width={w * zoom} height={h * zoom} viewBox={`0 0 ${w} ${h}`}>
          <defs>
            <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
              <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
            </marker>
          </defs>
          <LevelView level={level} ox={0} oy={0} statuses={props.statuses} selected={props.selected} onSelect={props.onSelect} />
        </svg>
      </div>
    </div>
  );
}
