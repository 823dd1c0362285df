// The page: the service map of one or more namespaces from GET /v1/flows, kept live by its server-sent events (follow=true), and a
// flow table that asks GET /v1/flows with the same parameters `tendril observe` sends, so both show the same rows.
import "./style.css";
import { MapView } from "./draw";
import {
  type Flow,
  type FlowRow,
  type MapEdge,
  type MapNode,
  ServiceMap,
  endpointText,
  policiesOf,
  portOf,
  type TraceRequest,
  traceRequestOf,
} from "./servicemap";
import { EventStream } from "./stream";
import { ageOf, markFirstRender, recordRedraw, timings } from "./timings";

/** Flows read to draw the map before following: a namespace's recent past. */
const HISTORY = 2000;

const $ = <T extends Element>(selector: string): T => {
  const element = document.querySelector<T>(selector);
  if (!element) throw new Error(`the page has no ${selector}`);
  return element;
};

const state = $<HTMLParagraphElement>("#state");
const svg = $<SVGSVGElement>("#map");
const filters = $<HTMLFormElement>("#filters");
const clearEdge = $<HTMLButtonElement>("#clear-edge");
const tableBody = $<HTMLTableSectionElement>("#flow-table tbody");
const queryText = $<HTMLParagraphElement>("#query");
const tracePanel = $<HTMLElement>("#trace");
const traceAsked = $<HTMLParagraphElement>("#trace-asked");
const traceResult = $<HTMLDivElement>("#trace-result");

let cluster = "";
/** The namespaces shown: the picker takes several, separated by commas or spaces. */
let namespaces: string[] = [];
let map = new ServiceMap("");
let stream: EventStream | null = null;
let renderPending = false;
let seen = 0;
/** The time of the newest flow folded in since the last redraw ("" for none): how late the map is. */
let newest = "";
let lastSaid = -Infinity;
let sayTimer = 0;
let edgeFilter: MapEdge | null = null;
const view = new MapView(svg, (edge) => void filterToEdge(edge), scheduleRender);

/** GET a JSON resource of this service; a problem+json answer becomes an error naming its detail. */
async function getJson<T>(path: string): Promise<T> {
  return requestJson<T>(path, { headers: { Accept: "application/json" } });
}

async function requestJson<T>(path: string, init: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  const body = await response.text();
  if (!response.ok) {
    let detail = body;
    try {
      detail = JSON.parse(body).detail ?? body;
    } catch {
      // not JSON: the text itself
    }
    throw new Error(`${response.status}: ${detail}`);
  }
  return JSON.parse(body) as T;
}

function say(text: string): void {
  state.textContent = text;
}

async function start(): Promise<void> {
  try {
    cluster = (await getJson<{ cluster?: string }>("/v1/status")).cluster ?? "";
  } catch (e) {
    say(`Cannot reach the flows service: ${(e as Error).message}`);
    return;
  }
  void listNamespaces();
  const asked = new URLSearchParams(location.search).get("namespace");
  if (asked) {
    $<HTMLInputElement>("#namespace").value = asked;
    await show(parseNamespaces(asked));
  }
}

/** The namespaces of the flows held now, for the picker. */
async function listNamespaces(): Promise<void> {
  try {
    const rows = await getJson<FlowRow[]>("/v1/flows?last=1000");
    const names = new Set<string>();
    for (const row of rows) {
      for (const end of [row.flow?.source, row.flow?.destination]) {
        if (end?.namespace) names.add(end.namespace);
      }
    }
    const list = $<HTMLDataListElement>("#namespaces");
    list.replaceChildren(
      ...[...names].sort().map((name) => {
        const option = document.createElement("option");
        option.value = name;
        return option;
      }),
    );
  } catch {
    // the picker stays empty; typing a namespace still works
  }
}

/** `a, b c` -> [a, b, c]: what the picker's text names. */
function parseNamespaces(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((n) => n))];
}

/** `namespace=a&namespace=b`: the flows of any of them (repeated filters are alternatives, as in observe). */
function namespaceQuery(): string {
  return namespaces.map((n) => `namespace=${encodeURIComponent(n)}`).join("&");
}

async function show(list: string[]): Promise<void> {
  stream?.close();
  namespaces = list;
  const ns = list.join(", ");
  map = new ServiceMap(cluster);
  view.show(map);
  seen = 0;
  edgeFilter = null;
  clearEdge.hidden = true;
  history.replaceState(null, "", `?namespace=${encodeURIComponent(list.join(","))}`);
  say(`Loading ${ns}...`);
  try {
    const rows = await getJson<FlowRow[]>(`/v1/flows?${namespaceQuery()}&last=${HISTORY}`);
    for (const row of rows) {
      if (row.flow && map.add(row.flow)) seen++;
    }
  } catch (e) {
    say(`Cannot read the flows of ${ns}: ${(e as Error).message}`);
    return;
  }
  redraw();
  markFirstRender();
  say(`${ns}: ${seen} flows on the map, opening the live stream...`);
  void refreshTable();
  stream = new EventStream(`/v1/flows?follow=true&${namespaceQuery()}`, {
    open: () => say(`${ns}: live, ${seen} flows on the map`),
    error: () => say(`${ns}: the live stream was interrupted, reconnecting...`),
    events: (data) => {
      timings.events += data.length;
      let changed = false;
      for (const text of data) {
        // A reply changes nothing on the map (ServiceMap.add leaves replies out): not worth parsing.
        if (text.includes('"is_reply":true')) continue;
        const row = JSON.parse(text) as FlowRow;
        if (row.flow && map.add(row.flow)) {
          seen++;
          changed = true;
          const time = row.flow.time ?? "";
          if (time > newest) newest = time;
        }
      }
      if (changed) scheduleRender();
    },
  });
}

function scheduleRender(): void {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    redraw();
    sayLive();
  });
}

/** Draws what changed, and keeps its cost in the timings (timings.ts). */
function redraw(): void {
  const at = performance.now();
  const laidOut = view.draw(at);
  recordRedraw(at, laidOut, newest ? ageOf(newest) : -1);
  newest = "";
}

/** The live count, at most once a second: the status line is read out by screen readers. */
function sayLive(): void {
  const wait = lastSaid + 1000 - performance.now();
  if (wait > 0) {
    if (!sayTimer) {
      sayTimer = window.setTimeout(() => {
        sayTimer = 0;
        sayLive();
      }, wait);
    }
    return;
  }
  lastSaid = performance.now();
  say(`${namespaces.join(", ")}: live, ${seen} flows on the map`);
}

/** The `tendril observe` parameters that select one end of an edge. */
function side(node: MapNode | undefined, prefix: "from" | "to"): [string, string][] {
  if (!node) return [];
  switch (node.kind) {
    case "world":
      return [[`${prefix}-identity`, "2"]];
    case "host":
      return [[`${prefix}-identity`, "1"]];
    case "other":
      return [[`${prefix}-identity`, node.id.substring("identity:".length)]];
    default:
      if (node.selector) {
        return [
          [`${prefix}-namespace`, node.namespace],
          [`${prefix}-label`, node.selector],
        ];
      }
      return [[`${prefix}-pod`, `${node.namespace}/${node.pod ?? node.label}`]];
  }
}

/** The edge's flows in the table, and the trace of its latest drop (a click on a red or orange edge explains it). */
async function filterToEdge(edge: MapEdge): Promise<void> {
  edgeFilter = edge;
  clearEdge.hidden = false;
  if (edge.lastDrop) {
    void showTrace(edge.lastDrop);
  }
  await refreshTable();
}

interface TraceStep {
  verdict?: string;
  dropReason?: string;
  dropReasonCode?: number;
  matchType?: string;
  policies?: string[];
  explanation?: string;
}

interface TraceAnswer {
  verdict?: string;
  from?: { identity?: number; endpoint?: string; labels?: string[] };
  to?: { identity?: number; endpoint?: string; labels?: string[] };
  port?: number;
  protocol?: string;
  egress?: TraceStep;
  ingress?: TraceStep;
}

function traceCommand(request: TraceRequest): string {
  const end = (prefix: string, p: TraceRequest["from"]): string =>
    p.pod ? `--${prefix} ${p.namespace}/${p.pod}` : `--${prefix}-identity ${p.identity}`;
  return `tendril policy trace ${end("from", request.from)} ${end("to", request.to)} --port ${request.port}/${request.protocol.toLowerCase()}`;
}

/**
 * The policy trace of a flow's connection (POST /v1/trace, which this service hands to the policy service): the
 * verdict at the source's egress and the destination's ingress and the policies that decide, as they stand now.
 * A pod that no longer exists is traced by the identities the flow recorded.
 */
async function showTrace(flow: Flow): Promise<void> {
  tracePanel.hidden = false;
  let request = traceRequestOf(flow);
  if (!request) {
    traceAsked.textContent = "";
    traceResult.replaceChildren(paragraph(`No trace for this flow: ${portOf(flow)} has no port to trace.`));
    return;
  }
  traceAsked.textContent = traceCommand(request);
  traceResult.replaceChildren(paragraph("Tracing..."));
  const post = (r: TraceRequest) =>
    requestJson<TraceAnswer>("/v1/trace", {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      body: JSON.stringify(r),
    });
  try {
    let answer: TraceAnswer;
    try {
      answer = await post(request);
    } catch (e) {
      const byIdentity = traceRequestOf(flow, true);
      if (!(e as Error).message.startsWith("404") || !byIdentity || !(request.from.pod || request.to.pod)) throw e;
      request = byIdentity;
      traceAsked.textContent = `${traceCommand(request)} (a pod of the flow is gone: traced by identity)`;
      answer = await post(request);
    }
    traceResult.replaceChildren(...traceLines(answer));
  } catch (e) {
    traceResult.replaceChildren(paragraph(`The trace was refused: ${(e as Error).message}`));
  }
}

function paragraph(text: string, className = ""): HTMLParagraphElement {
  const p = document.createElement("p");
  p.textContent = text;
  if (className) p.className = className;
  return p;
}

function partyName(party: TraceAnswer["from"]): string {
  if (party?.endpoint) return party.endpoint;
  const labels = party?.labels ?? [];
  return labels.length > 0 ? labels.join(",") : `identity ${party?.identity ?? "?"}`;
}

/** The trace as `tendril policy trace` prints it: the connection, each step with its policies, the verdict. */
function traceLines(answer: TraceAnswer): HTMLElement[] {
  const from = partyName(answer.from);
  const to = partyName(answer.to);
  const lines: HTMLElement[] = [
    paragraph(
      `${from} (ID:${answer.from?.identity ?? "?"}) -> ${to} (ID:${answer.to?.identity ?? "?"}) ${answer.port}/${answer.protocol}`,
    ),
  ];
  for (const [where, step] of [
    [`egress at ${from}`, answer.egress],
    [`ingress at ${to}`, answer.ingress],
  ] as [string, TraceStep | undefined][]) {
    if (!step) continue;
    const reason = step.dropReason ? `: ${step.dropReason}${step.dropReasonCode ? ` (${step.dropReasonCode})` : ""}` : "";
    const line = paragraph(`${where}: ${step.verdict ?? "?"}${reason}`, `trace-step ${step.verdict ?? ""}`);
    line.dataset.step = where.split(" ")[0];
    lines.push(line);
    if (step.policies && step.policies.length > 0) {
      const list = document.createElement("ul");
      list.className = "trace-policies";
      list.append(
        ...step.policies.map((policy) => {
          const item = document.createElement("li");
          item.textContent = policy;
          return item;
        }),
      );
      lines.push(list);
    }
    if (step.explanation) lines.push(paragraph(step.explanation, "trace-explanation"));
  }
  const verdict = paragraph(`verdict: ${answer.verdict ?? "?"}`, `trace-verdict ${answer.verdict ?? ""}`);
  lines.push(verdict);
  return lines;
}

$<HTMLButtonElement>("#close-trace").addEventListener("click", () => {
  tracePanel.hidden = true;
});

clearEdge.addEventListener("click", () => {
  edgeFilter = null;
  clearEdge.hidden = true;
  void refreshTable();
});

/** The table's query: the filters' fields, the namespace (or the edge's two ends) and how many. */
function tableQuery(): [string, string][] {
  const params: [string, string][] = [];
  if (edgeFilter) {
    params.push(...side(map.findNode(edgeFilter.from), "from"), ...side(map.findNode(edgeFilter.to), "to"));
  } else {
    params.push(...namespaces.map((n): [string, string] => ["namespace", n]));
  }
  const form = new FormData(filters);
  for (const name of ["verdict", "pod", "label", "port", "protocol", "since", "until", "last"]) {
    const value = String(form.get(name) ?? "").trim();
    if (value) params.push([name, value]);
  }
  return params;
}

async function refreshTable(): Promise<void> {
  if (namespaces.length === 0) return;
  const params = tableQuery();
  const query = new URLSearchParams(params).toString();
  queryText.textContent = `tendril observe ${params.map(([k, v]) => `--${k} ${v}`).join(" ")}`;
  try {
    const rows = await getJson<FlowRow[]>(`/v1/flows?${query}`);
    tableBody.replaceChildren(...rows.filter((r) => r.flow).map((r) => tableRow(r.flow as Flow)));
  } catch (e) {
    tableBody.replaceChildren();
    queryText.textContent += ` refused: ${(e as Error).message}`;
  }
}

function tableRow(flow: Flow): HTMLTableRowElement {
  const row = document.createElement("tr");
  const cells = [
    flow.time ? flow.time.substring(11, 23) : "",
    endpointText(flow.source, flow.IP?.source),
    endpointText(flow.destination, flow.IP?.destination),
    portOf(flow),
    flow.verdict ?? "",
    flow.verdict === "DROPPED" ? (flow.drop_reason_desc ?? "") : "",
    policiesOf(flow).join(", "),
  ];
  cells.forEach((text, i) => {
    const cell = document.createElement("td");
    cell.textContent = text;
    if (i === 4) cell.className = text;
    row.append(cell);
  });
  const traceCell = document.createElement("td");
  if (flow.verdict === "DROPPED") {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "trace-button";
    button.textContent = "Trace";
    button.setAttribute("aria-label", `Trace ${cells[1]} to ${cells[2]} ${cells[3]}`);
    button.addEventListener("click", () => void showTrace(flow));
    traceCell.append(button);
  }
  row.append(traceCell);
  return row;
}

$<HTMLFormElement>("#pick").addEventListener("submit", (event) => {
  event.preventDefault();
  const list = parseNamespaces($<HTMLInputElement>("#namespace").value);
  if (list.length > 0) void show(list);
});

filters.addEventListener("submit", (event) => {
  event.preventDefault();
  void refreshTable();
});

void start();
