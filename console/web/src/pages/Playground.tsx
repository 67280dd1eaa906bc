import { useState } from "preact/hooks";
import { consolePost, sfn } from "../api";
import { ErrorBox, JsonEditor, isJson } from "../ui/common";
import { Json } from "../ui/Json";

interface EvalResult {
  result?: unknown;
  undefined?: boolean;
  error?: { code?: string; message: string; position?: number };
}

/** Playground evaluates JSONata on the server's own evaluator, with the
 * functions state machines have. */
export function Playground() {
  const [expr, setExpr] = useState("$states.input.items[price > 10].name");
  const [input, setInput] = useState('{\n  "items": [\n    { "name": "pen", "price": 3 },\n    { "name": "lamp", "price": 25 }\n  ]\n}');
  const [vars, setVars] = useState("{}");
  const [out, setOut] = useState<EvalResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    try {
      setOut(await consolePost<EvalResult>("jsonata", { expression: expr, input: JSON.parse(input), variables: JSON.parse(vars) }));
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section>
      <div class="page-head"><h1>JSONata playground</h1></div>
      <p class="muted">Evaluated by this server, as a state would: <code>$states.input</code> is the input, variables are <code>$name</code>, and AWS's functions (<code>$partition</code>, <code>$range</code>, <code>$hash</code>, <code>$random</code>, <code>$uuid</code>, <code>$parse</code>) are there.</p>
      <label class="field">Expression
        <textarea rows={3} spellcheck={false} class="mono" value={expr} onInput={(e) => setExpr((e.target as HTMLTextAreaElement).value)} data-testid="jsonata-expr"
          onKeyDown={(e) => (e.ctrlKey || e.metaKey) && e.key === "Enter" && run()} />
      </label>
      <div class="two-col">
        <div><label class="field">Input</label><JsonEditor value={input} onInput={setInput} rows={12} testid="jsonata-input" /></div>
        <div><label class="field">Variables</label><JsonEditor value={vars} onInput={setVars} rows={12} testid="jsonata-vars" /></div>
      </div>
      <button class="primary" disabled={!isJson(input) || !isJson(vars)} onClick={run} data-testid="jsonata-run">Evaluate (Ctrl+Enter)</button>
      <ErrorBox error={error} />
      {out && (
        <div data-testid="jsonata-result">
          <h3>Result</h3>
          {out.error ? <ErrorBox error={{ code: out.error.code, message: out.error.message + (out.error.position !== undefined ? ` (at ${out.error.position})` : "") }} />
            : out.undefined ? <p class="muted">undefined (no result)</p> : <Json value={out.result} />}
        </div>
      )}
    </section>
  );
}

interface TestOut {
  status: string;
  output?: string;
  error?: string;
  cause?: string;
  nextState?: string;
  inspectionData?: Record<string, unknown>;
}

/** TestStatePanel runs one state with TestState, as the API does. */
export function TestStatePanel() {
  const [def, setDef] = useState('{\n  "Type": "Pass",\n  "Parameters": { "greeting.$": "States.Format(\'Hello, {}\', $.name)" },\n  "ResultPath": "$.result",\n  "End": true\n}');
  const [input, setInput] = useState('{ "name": "Ada" }');
  const [vars, setVars] = useState("");
  const [level, setLevel] = useState("DEBUG");
  const [out, setOut] = useState<TestOut | null>(null);
  const [error, setError] = useState<unknown>(null);
  const run = async () => {
    try {
      setOut(await sfn<TestOut>("TestState", {
        definition: def, input, inspectionLevel: level, variables: vars.trim() ? vars : undefined,
        roleArn: "arn:aws:iam::123456789012:role/baton",
      }));
      setError(null);
    } catch (e) {
      setError(e);
      setOut(null);
    }
  };
  return (
    <section>
      <div class="page-head"><h1>Test state</h1></div>
      <p class="muted">Runs one state (or a whole definition's first state) with TestState, and shows each step of its data.</p>
      <div class="two-col">
        <div><label class="field">State definition</label><JsonEditor value={def} onInput={setDef} rows={14} testid="test-definition" /></div>
        <div>
          <label class="field">Input</label><JsonEditor value={input} onInput={setInput} rows={6} testid="test-input" />
          <label class="field">Variables (optional)</label><JsonEditor value={vars} onInput={setVars} rows={4} allowEmpty />
          <label class="field">Inspection level
            <select value={level} onChange={(e) => setLevel((e.target as HTMLSelectElement).value)}>
              <option>INFO</option><option>DEBUG</option><option>TRACE</option>
            </select>
          </label>
        </div>
      </div>
      <button class="primary" disabled={!isJson(def) || !isJson(input) || (vars.trim() !== "" && !isJson(vars))} onClick={run} data-testid="test-run">Test</button>
      <ErrorBox error={error} />
      {out && (
        <div data-testid="test-result">
          <h3>Status: {out.status}{out.nextState ? ` → ${out.nextState}` : ""}</h3>
          {out.error && <ErrorBox error={{ code: out.error, message: out.cause ?? "" }} />}
          {out.output !== undefined && (<><h4>Output</h4><Json text={out.output} /></>)}
          {out.inspectionData && Object.entries(out.inspectionData).map(([k, v]) => (
            <div key={k}><h4>{k}</h4>{typeof v === "string" ? <Json text={v} /> : <Json value={v} />}</div>
          ))}
        </div>
      )}
    </section>
  );
}
