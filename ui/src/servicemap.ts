// The service map's model: flows (Hubble JSON, as GET /v1/flows returns them) folded into workloads and the
// traffic between them. Nothing here touches the page, so it reads the same in a browser and in a test.

/** One endpoint of a flow, as Hubble's JSON names its fields. */
export interface Endpoint {
  namespace?: string;
  pod_name?: string;
  labels?: string[];
  identity?: number;
  cluster_name?: string;
  workloads?: { name?: string; kind?: string }[];
}

/** A flow, the fields the map and the table read. */
export interface Flow {
  time?: string;
  verdict?: string;
  drop_reason_desc?: string;
  source?: Endpoint;
  destination?: Endpoint;
  IP?: { source?: string; destination?: string };
  l4?: {
    TCP?: { source_port?: number; destination_port?: number; flags?: Record<string, boolean> };
    UDP?: { source_port?: number; destination_port?: number };
    SCTP?: { source_port?: number; destination_port?: number };
    ICMPv4?: { type?: number };
    ICMPv6?: { type?: number };
  };
  is_reply?: boolean;
  traffic_direction?: string;
  node_name?: string;
  ingress_denied_by?: Policy[];
  egress_denied_by?: Policy[];
  ingress_allowed_by?: Policy[];
  egress_allowed_by?: Policy[];
}

export interface Policy {
  kind?: string;
  namespace?: string;
  name?: string;
}

/** One row of GET /v1/flows: a flow, or a report of flows the server could not keep. */
export interface FlowRow {
  flow?: Flow;
  node_name?: string;
  time?: string;
  lost_events?: { num_events_lost?: string | number };
}

export type NodeKind = "workload" | "world" | "host" | "remote" | "other";

/** A box on the map: the pods of one workload, or a reserved peer (world, host) or a remote cluster's workload. */
export interface MapNode {
  id: string;
  label: string;
  kind: NodeKind;
  namespace: string;
  /** The label selector `tendril observe --from-label/--to-label` takes for it, when it came from a label. */
  selector?: string;
  /** The pod, when the workload is a single pod named by itself. */
  pod?: string;
}

export type EdgeVerdict = "allowed" | "dropped" | "mixed";

/** The traffic from one node to another: counts by verdict and the protocol/ports seen. */
export interface MapEdge {
  id: string;
  from: string;
  to: string;
  forwarded: number;
  dropped: number;
  ports: string[];
  /**
   * What the connection does now: from the latest flow of each protocol/port (so a port that policy closed
   * after it was open shows dropped), allowed or dropped when every port agrees, mixed otherwise.
   */
  verdict: EdgeVerdict;
  /** The latest verdict of each protocol/port, with the time of its flow. */
  latest: Map<string, { time: string; dropped: boolean }>;
  /** The latest dropped flow: the one whose policy trace a click on the edge shows. */
  lastDrop?: Flow;
}

const WORKLOAD_LABELS = ["k8s:app.kubernetes.io/name=", "k8s:app=", "k8s:k8s-app="];

/** The map node an endpoint belongs to; `localCluster` is the cluster the page's service runs in. */
export function nodeOf(endpoint: Endpoint | undefined, localCluster: string): MapNode {
  const labels = endpoint?.labels ?? [];
  if (labels.includes("reserved:world")) {
    return { id: "world", label: "world", kind: "world", namespace: "" };
  }
  if (labels.includes("reserved:host") || labels.includes("reserved:remote-node")) {
    return { id: "host", label: "host", kind: "host", namespace: "" };
  }
  const namespace = endpoint?.namespace ?? "";
  if (!namespace) {
    const identity = endpoint?.identity ?? 0;
    return { id: `identity:${identity}`, label: `identity ${identity}`, kind: "other", namespace: "" };
  }
  const cluster = endpoint?.cluster_name ?? "";
  const remote = cluster !== "" && cluster !== localCluster;
  const prefix = remote ? `${cluster}/${namespace}` : namespace;
  for (const key of WORKLOAD_LABELS) {
    const label = labels.find((l) => l.startsWith(key));
    if (label) {
      const value = label.substring(key.length);
      const selectorKey = key.substring("k8s:".length, key.length - 1);
      return {
        id: `${prefix}/${value}`,
        label: value,
        kind: remote ? "remote" : "workload",
        namespace,
        selector: `${selectorKey}=${value}`,
      };
    }
  }
  const workload = endpoint?.workloads?.find((w) => w.name)?.name;
  const name = workload ?? endpoint?.pod_name ?? "?";
  return {
    id: `${prefix}/${name}`,
    label: name,
    kind: remote ? "remote" : "workload",
    namespace,
    pod: workload ? undefined : endpoint?.pod_name,
  };
}

/** `TCP/80`, `UDP/53`, `ICMPv4`: what the edge label shows of a flow's layer 4. */
export function portOf(flow: Flow): string {
  const l4 = flow.l4 ?? {};
  if (l4.TCP) return `TCP/${l4.TCP.destination_port ?? 0}`;
  if (l4.UDP) return `UDP/${l4.UDP.destination_port ?? 0}`;
  if (l4.SCTP) return `SCTP/${l4.SCTP.destination_port ?? 0}`;
  if (l4.ICMPv4) return "ICMPv4";
  if (l4.ICMPv6) return "ICMPv6";
  return "L3";
}

/** The order of the map's ids (nodes and edges are listed, laid out and tabbed through in it). */
export const byId = new Intl.Collator().compare;

/**
 * The workloads of the chosen namespaces and the traffic between them. A flow counts once, in the direction of
 * its connection (replies are left out, as the map shows who calls whom); its ends outside the chosen namespaces
 * still appear, as the peers of the chosen ones.
 */
export class ServiceMap {
  private readonly nodes = new Map<string, MapNode>();
  private readonly edges = new Map<string, MapEdge>();
  private readonly changed = new Set<MapEdge>();
  private added: MapEdge[] = [];
  private structure = 0;

  constructor(private readonly localCluster: string) {}

  /** Grows by one for each box or arrow added: what was drawn is stale when this moved. */
  get version(): number {
    return this.structure;
  }

  /** Folds one flow in; whether the map changed (a reply, or a flow of no interest, changes nothing). */
  add(flow: Flow): boolean {
    if (flow.is_reply === true) {
      return false;
    }
    const verdict = flow.verdict ?? "";
    if (verdict !== "FORWARDED" && verdict !== "DROPPED") {
      return false;
    }
    const from = this.node(nodeOf(flow.source, this.localCluster));
    const to = this.node(nodeOf(flow.destination, this.localCluster));
    const id = `${from.id}->${to.id}`;
    let edge = this.edges.get(id);
    if (!edge) {
      edge = { id, from: from.id, to: to.id, forwarded: 0, dropped: 0, ports: [], verdict: "allowed", latest: new Map() };
      this.edges.set(id, edge);
      this.added.push(edge);
      this.structure++;
    }
    const dropped = verdict === "DROPPED";
    const time = flow.time ?? "";
    if (dropped) {
      edge.dropped++;
      if (!edge.lastDrop || (edge.lastDrop.time ?? "") <= time) edge.lastDrop = flow;
    } else {
      edge.forwarded++;
    }
    const port = portOf(flow);
    if (!edge.ports.includes(port)) {
      edge.ports.push(port);
      edge.ports.sort();
    }
    // RFC 3339 times of one service compare as strings; a flow older than the port's latest does not change it.
    const before = edge.latest.get(port);
    if (!before || before.time <= time) {
      if (before) {
        before.time = time;
        before.dropped = dropped;
      } else {
        edge.latest.set(port, { time, dropped });
      }
      let open = 0;
      for (const state of edge.latest.values()) if (!state.dropped) open++;
      edge.verdict = open === edge.latest.size ? "allowed" : open === 0 ? "dropped" : "mixed";
    }
    this.changed.add(edge);
    return true;
  }

  allNodes(): MapNode[] {
    return [...this.nodes.values()].sort((a, b) => byId(a.id, b.id));
  }

  allEdges(): MapEdge[] {
    return [...this.edges.values()].sort((a, b) => byId(a.id, b.id));
  }

  /** The ids of the nodes in the order their first flow came. */
  seenOrder(): string[] {
    return [...this.nodes.keys()];
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  /** The edges added since the last call. */
  takeAdded(): MapEdge[] {
    const added = this.added;
    this.added = [];
    return added;
  }

  /** The edges whose counts, ports or verdict changed since the last call. */
  takeChanged(): MapEdge[] {
    const changed = [...this.changed];
    this.changed.clear();
    return changed;
  }

  node(candidate: MapNode): MapNode {
    const known = this.nodes.get(candidate.id);
    if (known) {
      return known;
    }
    this.nodes.set(candidate.id, candidate);
    this.structure++;
    return candidate;
  }

  findNode(id: string): MapNode | undefined {
    return this.nodes.get(id);
  }

  findEdge(id: string): MapEdge | undefined {
    return this.edges.get(id);
  }
}

/** One party of the policy service's trace request (POST /v1/trace): a pod, or an identity. */
export interface TraceParty {
  namespace?: string;
  pod?: string;
  identity?: number;
}

export interface TraceRequest {
  from: TraceParty;
  to: TraceParty;
  port: number;
  protocol: string;
}

function traceParty(endpoint: Endpoint | undefined): TraceParty | null {
  if (endpoint?.namespace && endpoint.pod_name) return { namespace: endpoint.namespace, pod: endpoint.pod_name };
  return endpoint?.identity ? { identity: endpoint.identity } : null;
}

/**
 * The trace request that asks the policy service about a flow's connection as `tendril policy trace` would:
 * its pods (or identities, for world, host and pods that are gone) and destination port. Null for a flow the
 * trace cannot take (ICMP, no port, an end with neither pod nor identity); `byIdentity` names both ends by
 * identity, for a pod that no longer exists.
 */
export function traceRequestOf(flow: Flow, byIdentity = false): TraceRequest | null {
  const l4 = flow.l4 ?? {};
  const [protocol, port] = l4.TCP
    ? ["TCP", l4.TCP.destination_port]
    : l4.UDP
      ? ["UDP", l4.UDP.destination_port]
      : l4.SCTP
        ? ["SCTP", l4.SCTP.destination_port]
        : ["", undefined];
  const party = (e: Endpoint | undefined): TraceParty | null =>
    byIdentity ? (e?.identity ? { identity: e.identity } : null) : traceParty(e);
  const from = party(flow.source);
  const to = party(flow.destination);
  if (!port || !from || !to) return null;
  return { from, to, port, protocol };
}

/** The policies a dropped flow names, as `Kind/namespace/name`. */
export function policiesOf(flow: Flow): string[] {
  return [...(flow.ingress_denied_by ?? []), ...(flow.egress_denied_by ?? [])].map((p) =>
    [p.kind, p.namespace, p.name].filter((part) => part).join("/"),
  );
}

/** `namespace/pod`, or the reserved name, or the address, as the flow table shows an endpoint. */
export function endpointText(endpoint: Endpoint | undefined, ip: string | undefined): string {
  if (endpoint?.pod_name) {
    return `${endpoint.namespace ?? ""}/${endpoint.pod_name}`;
  }
  const reserved = endpoint?.labels?.find((l) => l.startsWith("reserved:"));
  return reserved ? `${ip ?? ""} (${reserved.substring("reserved:".length)})` : (ip ?? "?");
}
