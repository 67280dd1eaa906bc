// The data of an execution page: its description, the definition it runs,
// and its history, kept up to date while it runs.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { consoleGet, sfn, watch, type HistoryPage } from "../api";
import { graphOf } from "../definition";
import type { Graph } from "../model/graph";
import { placesOf, type Place } from "../model/graph";
import { History } from "../model/history";

// The most events the console's API answers at once.
const HISTORY_PAGE = 100000;

export interface Described {
  executionArn: string;
  stateMachineArn: string;
  stateMachineVersionArn?: string;
  stateMachineAliasArn?: string;
  name: string;
  status: string;
  startDate: number;
  stopDate?: number;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount?: number;
  redriveDate?: number;
  redriveStatus?: string;
  redriveStatusReason?: string;
}

export interface ExecutionData {
  desc?: Described;
  graph?: Graph;
  places?: Map<string, Place>;
  history?: History;
  version: number; // changes whenever the history grows
  error?: unknown;
  reload: () => void;
}

export function useExecution(arn: string): ExecutionData {
  const [desc, setDesc] = useState<Described>();
  const [def, setDef] = useState<string>();
  const [error, setError] = useState<unknown>();
  const [version, setVersion] = useState(0);
  const history = useRef<History | null>(null);
  const fetching = useRef<Promise<void> | null>(null);
  const again = useRef(false);
  // The first page of the history, asked for at once, beside the
  // definition the history is read against.
  const first = useRef<Promise<HistoryPage> | null>(null);

  const drawn = useMemo(() => (def ? graphOf(def) : null), [def]);
  const places = useMemo(() => (drawn?.graph ? placesOf(drawn.graph) : undefined), [drawn]);

  const describe = () => sfn<Described>("DescribeExecution", { executionArn: arn }).then(setDesc, setError);

  // fetchMore reads the events after the last one read; calls that come
  // while one runs make it run once more.
  const fetchMore = (): Promise<void> => {
    if (fetching.current) {
      again.current = true;
      return fetching.current;
    }
    const run = async () => {
      do {
        again.current = false;
        const h = history.current;
        if (!h) return;
        let page: HistoryPage;
        let got = 0;
        // A history longer than one answer comes in several.
        do {
          const early = h.lastId === 0 ? first.current : null;
          first.current = null;
          page = await (early ?? consoleGet<HistoryPage>("history", { executionArn: arn, after: h.lastId, limit: HISTORY_PAGE }));
          h.add(page.events);
          got += page.events.length;
        } while (page.events.length === HISTORY_PAGE);
        if (got > 0) setVersion(h.version);
        if (page.status !== "RUNNING" || got > 0) describe();
      } while (again.current);
    };
    fetching.current = run().catch(setError).finally(() => (fetching.current = null));
    return fetching.current;
  };

  useEffect(() => {
    history.current = null;
    setDesc(undefined);
    setDef(undefined);
    setError(undefined);
    first.current = consoleGet<HistoryPage>("history", { executionArn: arn, after: 0, limit: HISTORY_PAGE });
    first.current.catch(() => {}); // read, and its error reported, by fetchMore
    describe();
    sfn<{ definition: string }>("DescribeStateMachineForExecution", { executionArn: arn }).then((d) => setDef(d.definition), setError);
  }, [arn]);

  useEffect(() => {
    if (!places) return;
    history.current = new History(places);
    fetchMore();
    const stop = watch(arn, (m) => {
      if (m.lastEventId > (history.current?.lastId ?? 0) || m.status !== "RUNNING") fetchMore();
    }, () => fetchMore());
    return stop;
  }, [places]);

  return { desc, graph: drawn?.graph, places, history: history.current ?? undefined, version, error: error ?? (drawn?.error ? { message: drawn.error } : undefined), reload: describe };
}
