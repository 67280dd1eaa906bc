import { describe, expect, it } from "vitest";
import mapCatch from "./fixtures/map-catch.json";
import retry from "./fixtures/retry.json";
import { buildGraph, placesOf } from "../src/model/graph";
import { History, type HistoryEvent } from "../src/model/history";

function fixture(name: string): { definition: unknown; history: HistoryEvent[] } {
  const all: Record<string, unknown> = { "map-catch": mapCatch, retry };
  return structuredClone(all[name]) as { definition: unknown; history: HistoryEvent[] };
}

function read(name: string, upTo?: number): History {
  const f = fixture(name);
  const h = new History(placesOf(buildGraph(f.definition)));
  h.add(upTo ? f.history.slice(0, upTo) : f.history);
  return h;
}

describe("History", () => {
  it("colours each state of a finished execution", () => {
    const h = read("map-catch");
    expect(h.execution.status).toBe("SUCCEEDED");
    expect(Object.fromEntries(h.stateStatus())).toEqual({
      M: "caught", A: "succeeded", B: "succeeded", S: "succeeded", F: "failed", P: "succeeded", X: "succeeded", Y: "succeeded",
    });
  });

  it("files iterations and branches under their container", () => {
    const h = read("map-catch");
    const m = h.root.entries[0];
    expect(m.name).toBe("M");
    expect(m.mapLength).toBe(3);
    expect(h.iterationsOf(m).map((f) => [f.index, f.end, f.entries.map((e) => e.name)])).toEqual([
      [0, "succeeded", ["A", "B", "S"]],
      [1, "failed", ["A", "B", "F"]],
    ]);
    const p = h.root.entries[1];
    expect(p.children.map((f) => [f.kind, f.index, f.entries.map((e) => e.name)])).toEqual([
      ["branch", 0, ["X"]],
      ["branch", 1, ["Y"]],
    ]);
    // One iteration's colours.
    const one = h.iterationsOf(m)[0];
    expect(Object.fromEntries(h.stateStatus((e) => e.frame === one))).toEqual({ A: "succeeded", B: "succeeded", S: "succeeded" });
  });

  it("reads a history as it grows", () => {
    const h = read("map-catch", 9);
    expect(h.execution.status).toBe("RUNNING");
    expect(h.stateStatus().get("S")).toBe("running");
    expect(h.stateStatus().get("M")).toBe("running");
    h.add(fixture("map-catch").history);
    expect(h.stateStatus().get("S")).toBe("succeeded");
    expect(h.execution.status).toBe("SUCCEEDED");
    expect(h.lastId).toBe(29);
  });

  it("keeps every attempt of a retried task", () => {
    const h = read("retry");
    const t = h.root.entries[0];
    expect(t.attempts.map((a) => [a.status, a.error ?? null])).toEqual([
      ["failed", "Boom"],
      ["succeeded", null],
    ]);
    expect(t.attempts[1].result).toBe('{"ok":true}');
    expect(h.statusOf(t)).toBe("succeeded");
    expect(h.execution.status).toBe("SUCCEEDED");
  });

  it("tells a stopped execution's running state as cancelled", () => {
    const f = fixture("retry");
    const h = new History(placesOf(buildGraph(f.definition)));
    h.add([...f.history.slice(0, 3), { id: 4, previousEventId: 3, type: "ExecutionAborted", timestamp: 1796132061, executionAbortedEventDetails: { error: "Stop", cause: "by hand" } }]);
    expect(h.execution.status).toBe("ABORTED");
    expect(h.stateStatus().get("Work")).toBe("cancelled");
  });
});
