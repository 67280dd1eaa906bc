import { render } from "preact";
import { useState } from "preact/hooks";
import { Activities } from "./pages/Activities";
import { Execution } from "./pages/Execution";
import { Executions } from "./pages/Executions";
import { Playground, TestStatePanel } from "./pages/Playground";
import { StateMachine } from "./pages/StateMachine";
import { StateMachines } from "./pages/StateMachines";
import { useRoute } from "./router";
import "./style.css";

type Theme = "light" | "dark";

function initialTheme(): Theme {
  const saved = localStorage.getItem("baton-theme");
  if (saved === "light" || saved === "dark") return saved;
  return matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function App() {
  const route = useRoute();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  document.documentElement.dataset.theme = theme;
  const flip = () => {
    const t = theme === "dark" ? "light" : "dark";
    localStorage.setItem("baton-theme", t);
    setTheme(t);
  };
  const [top, arn] = route.parts;
  let page;
  if (!top) page = <StateMachines />;
  else if (top === "state-machines" && arn) page = <StateMachine key={arn} arn={arn} query={route.query} />;
  else if (top === "executions" && arn) page = <Execution key={arn} arn={arn} query={route.query} />;
  else if (top === "executions") page = <Executions query={route.query} />;
  else if (top === "activities") page = <Activities />;
  else if (top === "jsonata") page = <Playground />;
  else if (top === "test-state") page = <TestStatePanel />;
  else page = <section><h1>Not found</h1><p>No page at this link. <a href="#/">State machines</a></p></section>;
  const nav = (to: string, label: string, active: boolean) => <a href={to} class={active ? "on" : ""}>{label}</a>;
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">Baton</a>
        <nav>
          {nav("#/", "State machines", !top || top === "state-machines")}
          {nav("#/executions", "Executions", top === "executions")}
          {nav("#/activities", "Activities", top === "activities")}
          {nav("#/jsonata", "JSONata", top === "jsonata")}
          {nav("#/test-state", "Test state", top === "test-state")}
        </nav>
        <button class="theme" onClick={flip} title="Light or dark" data-testid="theme">{theme === "dark" ? "☀ Light" : "☾ Dark"}</button>
      </header>
      <main>{page}</main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
