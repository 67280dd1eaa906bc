import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { session, type Session } from "./api";
import { ErrorBox } from "./ui/common";
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

/** SignIn asks for an access key of the server (one that requires
 * signatures): the server answers with a session cookie. */
function SignIn(props: { onDone: (s: Session) => void }) {
  const [id, setId] = useState("");
  const [secret, setSecret] = useState("");
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      props.onDone(await session("POST", { accessKeyId: id, secretAccessKey: secret }));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section class="sign-in">
      <h1>Sign in</h1>
      <p class="muted">This server requires an access key (one of its baton.yaml's accessKeys).</p>
      <form onSubmit={submit}>
        <label class="field">Access key id<input autocomplete="username" value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} data-testid="access-key-id" /></label>
        <label class="field">Secret access key<input type="password" autocomplete="current-password" value={secret} onInput={(e) => setSecret((e.target as HTMLInputElement).value)} data-testid="secret-access-key" /></label>
        <ErrorBox error={error} />
        <button class="primary" type="submit" data-testid="sign-in">Sign in</button>
      </form>
    </section>
  );
}

function App() {
  const route = useRoute();
  const [who, setWho] = useState<Session | null>(null);
  useEffect(() => {
    const check = () => session("GET").then(setWho, () => setWho({ required: false, signedIn: true }));
    check();
    addEventListener("baton-sign-in", check);
    return () => removeEventListener("baton-sign-in", check);
  }, []);
  const [theme, setTheme] = useState<Theme>(initialTheme);
  document.documentElement.dataset.theme = theme;
  const flip = () => {
    const t = theme === "dark" ? "light" : "dark";
    localStorage.setItem("baton-theme", t);
    setTheme(t);
  };
  const [top, arn] = route.parts;
  let page;
  if (!who) page = null;
  else if (!who.signedIn) page = <SignIn onDone={setWho} />;
  else if (!top) page = <StateMachines />;
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
        {who?.required && who.signedIn && (
          <span class="muted small">{who.accessKeyId} · <a onClick={() => session("DELETE").then(setWho)} data-testid="sign-out">Sign out</a></span>
        )}
        <button class="theme" onClick={flip} title="Light or dark" data-testid="theme">{theme === "dark" ? "☀ Light" : "☾ Dark"}</button>
      </header>
      <main>{page}</main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
