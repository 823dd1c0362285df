// The page: the service map of one or more namespaces from GET /v1/flows, kept live by its server-sent events (follow=true), and a
// flow table that asks GET /v1/flows with the same parameters `tendril observe` sends, so both show the same rows.
import "./style.css";
import {
  type Flow,
  type FlowRow,
  type MapEdge,
  type MapNode,
  ServiceMap,
  endpointText,
  layout,
  policiesOf,
  portOf,
  type TraceRequest,
  traceRequestOf,
} from "./servicemap";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 1200;
const HEIGHT = 380;
const BOX_W = 150;
const BOX_H = 36;
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
let stream: EventSource | null = null;
let renderPending = false;
let seen = 0;
let edgeFilter: MapEdge | null = null;

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
  render();
  void refreshTable();
  stream = new EventSource(`/v1/flows?follow=true&${namespaceQuery()}`);
  stream.onopen = () => say(`${ns}: live, ${seen} flows on the map`);
  stream.onerror = () => say(`${ns}: the live stream was interrupted, reconnecting...`);
  stream.onmessage = (message) => {
    const row = JSON.parse(message.data) as FlowRow;
    if (row.flow && map.add(row.flow)) {
      seen++;
      scheduleRender();
    }
  };
}

function scheduleRender(): void {
  if (renderPending) return;
  renderPending = true;
  requestAnimationFrame(() => {
    renderPending = false;
    render();
    say(`${namespaces.join(", ")}: live, ${seen} flows on the map`);
  });
}

function element<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const created = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) {
    created.setAttribute(key, String(value));
  }
  return created;
}

/** How far p is from the segment a-b. */
function distanceToSegment(p: { x: number; y: number }, a: { x: number; y: number }, b: { x: number; y: number }): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const squared = dx * dx + dy * dy;
  const t = squared === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / squared));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** Where a line from the centre of a box towards (tx, ty) leaves the box. */
function boxExit(x: number, y: number, tx: number, ty: number): [number, number] {
  const dx = tx - x;
  const dy = ty - y;
  if (dx === 0 && dy === 0) return [x, y];
  const scale = Math.min(Math.abs(dx) > 0 ? BOX_W / 2 / Math.abs(dx) : Infinity, Math.abs(dy) > 0 ? BOX_H / 2 / Math.abs(dy) : Infinity);
  return [x + dx * scale, y + dy * scale];
}

function render(): void {
  const nodes = map.allNodes();
  const edges = map.allEdges();
  const at = layout(nodes, edges, WIDTH, HEIGHT);
  const defs = element("defs", {});
  for (const verdict of ["allowed", "dropped", "mixed"]) {
    const marker = element("marker", {
      id: `arrow-${verdict}`,
      viewBox: "0 0 10 10",
      refX: 10,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: "auto-start-reverse",
    });
    marker.append(element("path", { d: "M 0 0 L 10 5 L 0 10 z", class: `arrow ${verdict}` }));
    defs.append(marker);
  }
  const drawn: Element[] = [defs];
  const ids = new Set(edges.map((e) => e.id));
  for (const edge of edges) {
    drawn.push(edgeGroup(edge, at, ids.has(`${edge.to}->${edge.from}`)));
  }
  for (const node of nodes) {
    drawn.push(nodeGroup(node, at));
  }
  svg.replaceChildren(...drawn);
}

function describe(edge: MapEdge): string {
  const from = map.findNode(edge.from)?.label ?? edge.from;
  const to = map.findNode(edge.to)?.label ?? edge.to;
  const counts = [edge.forwarded ? `${edge.forwarded} allowed` : "", edge.dropped ? `${edge.dropped} dropped` : ""]
    .filter((c) => c)
    .join(", ");
  return `${from} to ${to}: ${counts} (${edge.ports.join(", ")})`;
}

function edgeGroup(edge: MapEdge, at: Map<string, { x: number; y: number }>, reverse: boolean): SVGGElement {
  const a = at.get(edge.from) ?? { x: 0, y: 0 };
  const b = at.get(edge.to) ?? { x: 0, y: 0 };
  const group = element("g", {
    class: "edge-group",
    tabindex: 0,
    role: "button",
    "aria-label": describe(edge),
    "data-edge": edge.id,
    "data-verdict": edge.verdict,
  });
  if (edge.from === edge.to) {
    const loop = element("path", {
      class: `edge ${edge.verdict}`,
      d: `M ${a.x - 20} ${a.y - BOX_H / 2} C ${a.x - 40} ${a.y - 80}, ${a.x + 40} ${a.y - 80}, ${a.x + 20} ${a.y - BOX_H / 2}`,
      "marker-end": `url(#arrow-${edge.verdict})`,
    });
    group.append(loop);
  } else {
    // Two edges between the same pair (both directions) are drawn apart; an edge whose straight line would cross
    // another box bends around it.
    const length = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const ux = -(b.y - a.y) / length;
    const uy = (b.x - a.x) / length;
    const crosses = [...at.entries()].some(
      ([id, p]) => id !== edge.from && id !== edge.to && distanceToSegment(p, a, b) < BOX_H,
    );
    const bend = (crosses ? length * 0.3 : 0) + (reverse ? 10 : 0);
    const cx = (a.x + b.x) / 2 - ux * bend;
    const cy = (a.y + b.y) / 2 - uy * bend;
    const [x1, y1] = boxExit(a.x, a.y, cx, cy);
    const [x2, y2] = boxExit(b.x, b.y, cx, cy);
    group.append(
      element("path", {
        class: `edge ${edge.verdict}`,
        d: `M ${x1} ${y1} Q ${cx} ${cy} ${x2} ${y2}`,
        "marker-end": `url(#arrow-${edge.verdict})`,
      }),
    );
    const label = element("text", {
      class: "edge-label",
      x: 0.25 * x1 + 0.5 * cx + 0.25 * x2,
      y: 0.25 * y1 + 0.5 * cy + 0.25 * y2 - 6,
      "text-anchor": "middle",
    });
    label.textContent = `${edge.ports.join(" ")} ${edge.forwarded ? `✓${edge.forwarded}` : ""}${edge.dropped ? ` ✗${edge.dropped}` : ""}`.trim();
    group.append(label);
  }
  const title = element("title", {});
  title.textContent = describe(edge);
  group.prepend(title);
  group.addEventListener("click", () => void filterToEdge(edge));
  group.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      void filterToEdge(edge);
    }
  });
  return group;
}

function nodeGroup(node: MapNode, at: Map<string, { x: number; y: number }>): SVGGElement {
  const p = at.get(node.id) ?? { x: 0, y: 0 };
  const group = element("g", { class: `node ${node.kind}`, "data-node": node.id });
  group.append(element("rect", { x: p.x - BOX_W / 2, y: p.y - BOX_H / 2, width: BOX_W, height: BOX_H, rx: 6 }));
  const text = element("text", { x: p.x, y: p.y });
  text.textContent = node.kind === "remote" ? node.id : node.label;
  group.append(text);
  const title = element("title", {});
  title.textContent = node.id;
  group.append(title);
  return group;
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
  for (const name of ["verdict", "pod", "label", "port", "protocol", "since", "last"]) {
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
