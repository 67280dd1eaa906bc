// Definitions come as JSON or YAML text (as they were loaded).

import { parse as parseYAML } from "yaml";
import { buildGraph, type Graph } from "./model/graph";

export function parseDefinition(text: string): { value: unknown; yaml: boolean } {
  try {
    return { value: JSON.parse(text), yaml: false };
  } catch {
    return { value: parseYAML(text), yaml: true };
  }
}

export function graphOf(text: string): { graph?: Graph; error?: string; yaml: boolean } {
  try {
    const { value, yaml } = parseDefinition(text);
    return { graph: buildGraph(value), yaml };
  } catch (e) {
    return { error: (e as Error).message, yaml: false };
  }
}
