import { describe, expect, it } from "vitest";
import { buildGraph, END, placesOf, ruleText, START } from "../src/model/graph";

describe("buildGraph", () => {
  it("draws every transition kind", () => {
    const g = buildGraph({
      StartAt: "Check",
      States: {
        Check: {
          Type: "Choice",
          Choices: [
            { Variable: "$.n", NumericGreaterThan: 3, Next: "Work" },
            { Not: { Variable: "$.s", StringEquals: "x" }, Next: "Done" },
          ],
          Default: "Done",
        },
        Work: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Catch: [{ ErrorEquals: ["States.ALL"], Next: "Oops" }], Next: "Done" },
        Oops: { Type: "Fail", Error: "E" },
        Done: { Type: "Succeed" },
      },
    });
    expect(g.nodes.map((n) => n.id)).toEqual([START, "Check", "Work", "Oops", "Done", END]);
    expect(g.edges).toEqual([
      { from: START, to: "Check", kind: "start" },
      { from: "Check", to: "Work", kind: "choice", label: "$.n > 3" },
      { from: "Check", to: "Done", kind: "choice", label: 'not $.s == "x"' },
      { from: "Check", to: "Done", kind: "default", label: "Default" },
      { from: "Work", to: "Done", kind: "next" },
      { from: "Work", to: "Oops", kind: "catch", label: "States.ALL" },
      { from: "Oops", to: END, kind: "end" },
      { from: "Done", to: END, kind: "end" },
    ]);
  });

  it("nests Parallel branches and Map processors", () => {
    const g = buildGraph({
      StartAt: "P",
      States: {
        P: {
          Type: "Parallel",
          Branches: [
            { StartAt: "A", States: { A: { Type: "Pass", End: true } } },
            { StartAt: "B", States: { B: { Type: "Pass", End: true } } },
          ],
          Next: "M",
        },
        M: { Type: "Map", Iterator: { StartAt: "C", States: { C: { Type: "Pass", End: true } } }, End: true },
      },
    });
    const p = g.nodes.find((n) => n.id === "P")!;
    expect(p.children!.map((c) => c.startAt)).toEqual(["A", "B"]);
    // Nested graphs have no markers and no edge to the end.
    expect(p.children![0].nodes.map((n) => n.id)).toEqual(["A"]);
    expect(p.children![0].edges).toEqual([]);
    const m = g.nodes.find((n) => n.id === "M")!;
    expect(m.mode).toBe("INLINE");
    const places = placesOf(g);
    expect(places.get("B")!.path).toEqual([{ container: "P", branch: 1 }]);
    expect(places.get("C")!.path).toEqual([{ container: "M", branch: 0 }]);
  });

  it("reads JSONata machines and drops edges to missing states", () => {
    const g = buildGraph({
      QueryLanguage: "JSONata",
      StartAt: "C",
      States: {
        C: { Type: "Choice", Choices: [{ Condition: "{% $states.input.ok %}", Next: "Nowhere" }], Default: "D" },
        D: { Type: "Pass", End: true },
      },
    });
    expect(g.queryLanguage).toBe("JSONata");
    expect(g.edges.filter((e) => e.kind === "choice")).toEqual([]);
    expect(ruleText({ Condition: "{% $states.input.ok %}" })).toBe("$states.input.ok");
  });

  it("says rules in one line", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ Variable: "$.a", IsPresent: false }, "$.a is not present"],
      [{ Variable: "$.t", TimestampLessThanPath: "$.u" }, "$.t < $.u"],
      [{ And: [{ Variable: "$.a", BooleanEquals: true }, { Or: [{ Variable: "$.b", IsNull: true }, { Variable: "$.c", StringMatches: "x*" }] }] },
        '$.a == true and ($.b is null or $.c matches "x*")'],
    ];
    for (const [rule, text] of cases) expect(ruleText(rule)).toBe(text);
  });

  it("refuses what is not a definition", () => {
    expect(() => buildGraph([])).toThrow();
  });
});
