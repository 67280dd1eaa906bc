// The Step Functions API as the end-to-end tests and the speed
// measurement call it: JSON 1.0 over fetch, as any client would.

import { chromium } from "playwright-core";

export const role = "arn:aws:iam::123456789012:role/baton";

export function client(base) {
  const api = async (action, input) => {
    const res = await fetch(base + "/", {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": `AWSStepFunctions.${action}` },
      body: JSON.stringify(input),
    });
    const body = await res.json();
    if (!res.ok) throw new Error(`${action}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };
  const machine = async (name, definition) =>
    (await api("CreateStateMachine", { name, roleArn: role, definition: JSON.stringify(definition) })).stateMachineArn;
  const start = async (sm, input = {}, name) =>
    (await api("StartExecution", { stateMachineArn: sm, input: JSON.stringify(input), name })).executionArn;
  // finished waits for an execution to end and returns its description.
  const finished = async (arn, tries = 600) => {
    for (let i = 0; i < tries; i++) {
      const d = await api("DescribeExecution", { executionArn: arn });
      if (d.status !== "RUNNING") return d;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${arn} did not finish`);
  };
  return { api, machine, start, finished };
}

// launchBrowser starts Chromium, again if it crashed while starting: seen
// on a loaded machine, a SIGSEGV before its first page, the browser's own
// and nothing the console did.
export async function launchBrowser() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox"] });
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}
