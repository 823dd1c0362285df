// The map's drawing (SVG). The boxes are placed anew only when boxes were added, and then at most every
// LAYOUT_EVERY_MS (longer when a layout is slow: layouts take at most a twentieth of the time); what did not move keeps
// its elements. A new arrow between boxes already drawn is drawn at the next frame, where the boxes are. Otherwise a
// redraw touches only the arrows whose counts or verdict changed: a new verdict (class, marker, data-verdict) at the
// next frame, new counts (title, aria-label, and the label where it is in sight: a label scrolled into view or focused
// is brought up to date then) at most every LABEL_EVERY_MS. At 10,000 flows/s and 500 workloads that keeps a
// redraw well under a frame (docs/BENCHMARKS.md "Service map page").
import { BOX_H, BOX_W, layout, type MapLayout } from "./layout";
import { byId, type MapEdge, type ServiceMap } from "./servicemap";
import { element, type Geometry, geometry, labelText, markers, newNode, type NodeView } from "./shapes";

/** The smallest canvas: a few workloads are drawn on it as they always were, scaled down with the window. */
export const WIDTH = 1200;
export const HEIGHT = 380;
const LAYOUT_EVERY_MS = 250;
const LAYOUT_SHARE = 20;
/**
 * Counts are rewritten at most this often (a verdict change is drawn at once): text that changes 60 times a second
 * cannot be read, and laying out and painting hundreds of labels each frame was most of a redraw's cost.
 */
const LABEL_EVERY_MS = 500;
/** How far outside the visible part of the map (in map units) labels are still kept up to date. */
const MARGIN = 150;
/** Arrows out of sight whose title and aria-label one relabelling brings up to date. */
const OUT_OF_SIGHT = 200;

interface EdgeView {
  /** Where its label is (or its box, for a call to itself): whether it is in sight. */
  x: number;
  y: number;
  /** Its path as drawn. */
  d: string;
  group: SVGGElement;
  path: SVGPathElement;
  label: SVGTextElement | null;
  title: SVGTitleElement;
  verdict: string;
  /** The label's text and the title's (and aria-label's), as drawn. */
  text: string;
  description: string;
}

export class MapView {
  private map: ServiceMap | null = null;
  private drawnVersion = -1;
  private readonly views = new Map<string, EdgeView>();
  private readonly nodeViews = new Map<string, NodeView>();
  /** The arrows' ids in the order of their elements (byId): where a new one goes. */
  private edgeOrder: string[] = [];
  private placed: MapLayout | null = null;
  private readonly edgeLayer = element("g", { class: "edges" });
  private readonly nodeLayer = element("g", { class: "nodes" });
  private lastLayout = -Infinity;
  private layoutCost = 0;
  private timer = 0;
  private timerDue = 0;
  /** Arrows whose label, title and aria-label wait for the next relabelling. */
  private readonly stale = new Map<string, MapEdge>();
  /** Arrows out of sight whose title and aria-label are current but whose label is not. */
  private readonly unseen = new Map<string, MapEdge>();
  /** The map was scrolled since the last relabelling: labels waiting out of sight may be in sight now. */
  private scrolled = false;
  private lastLabels = -Infinity;
  private width = WIDTH;

  /**
   * `chosen` is called for an arrow clicked or picked with Enter or Space; `later` when a layout that had to wait may
   * now be done (the page then asks for a frame).
   */
  constructor(
    private readonly svg: SVGSVGElement,
    private readonly chosen: (edge: MapEdge) => void,
    private readonly later: () => void,
  ) {
    svg.addEventListener("click", (event) => {
      const edge = this.edgeAt(event.target);
      if (edge) this.chosen(edge);
    });
    svg.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      const edge = this.edgeAt(event.target);
      if (edge) {
        event.preventDefault();
        this.chosen(edge);
      }
    });
    // A focused arrow is read out, and shown: its description and label must be current. A scrolled map shows other
    // labels.
    svg.addEventListener("focusin", (event) => {
      const edge = this.edgeAt(event.target);
      const view = edge && this.views.get(edge.id);
      if (edge && view && (this.stale.delete(edge.id) || this.unseen.delete(edge.id))) this.relabel(edge, view);
    });
    const scrolled = (): void => {
      if (this.unseen.size === 0) return;
      this.scrolled = true;
      this.later();
    };
    svg.parentElement?.addEventListener("scroll", scrolled, { passive: true });
    window.addEventListener("scroll", scrolled, { passive: true });
  }

  /** A new map to draw: the next draw lays it out at once. */
  show(map: ServiceMap): void {
    this.map = map;
    this.drawnVersion = -1;
    this.stale.clear();
    this.unseen.clear();
    this.views.clear();
    this.nodeViews.clear();
    this.edgeOrder = [];
    this.placed = null;
    this.edgeLayer.replaceChildren();
    this.nodeLayer.replaceChildren();
    window.clearTimeout(this.timer);
    this.timer = 0;
  }

  /** Draws what changed since the last call (`now`: performance.now()); whether it laid the map out anew. */
  draw(now: number): boolean {
    const map = this.map;
    if (!map) return false;
    let laidOut = false;
    if (map.version !== this.drawnVersion && this.placed && map.nodeCount === this.nodeViews.size) {
      this.addEdges(map, this.placed);
    } else if (map.version !== this.drawnVersion) {
      const wait =
        this.drawnVersion < 0 ? 0 : this.lastLayout + Math.max(LAYOUT_EVERY_MS, LAYOUT_SHARE * this.layoutCost) - now;
      if (wait <= 0) {
        this.layOut(map);
        this.lastLayout = now;
        this.layoutCost = performance.now() - now;
        laidOut = true;
      } else {
        this.wakeIn(now, wait);
      }
    }
    for (const edge of map.takeChanged()) {
      const view = this.views.get(edge.id);
      if (!view) continue;
      if (edge.verdict !== view.verdict) this.showVerdict(edge, view);
      this.stale.set(edge.id, edge);
    }
    if (this.stale.size > 0 || this.scrolled) {
      const wait = this.lastLabels + LABEL_EVERY_MS - now;
      if (wait <= 0) {
        this.relabelInSight();
        this.lastLabels = now;
        this.scrolled = false;
      } else {
        this.wakeIn(now, wait);
      }
    }
    return laidOut;
  }

  /**
   * Brings the changed arrows in sight up to date (label, title, aria-label), and the titles and aria-labels of up to
   * OUT_OF_SIGHT others, longest waiting first; a label out of sight waits until it is scrolled into view (writing it
   * would cost layout and paint for nothing).
   */
  private relabelInSight(): void {
    const r = this.svg.getBoundingClientRect();
    const frame = this.svg.parentElement?.getBoundingClientRect() ?? r;
    const scale = r.width / this.width || 1;
    const x0 = (Math.max(r.left, frame.left, 0) - r.left) / scale - MARGIN;
    const y0 = (Math.max(r.top, frame.top, 0) - r.top) / scale - MARGIN;
    const x1 = (Math.min(r.right, frame.right, window.innerWidth) - r.left) / scale + MARGIN;
    const y1 = (Math.min(r.bottom, frame.bottom, window.innerHeight) - r.top) / scale + MARGIN;
    const inSight = (view: EdgeView): boolean => view.x >= x0 && view.x <= x1 && view.y >= y0 && view.y <= y1;
    let budget = OUT_OF_SIGHT;
    for (const [id, edge] of this.stale) {
      const view = this.views.get(id);
      if (view && inSight(view)) {
        this.relabel(edge, view);
        this.unseen.delete(id);
      } else if (view && budget > 0) {
        budget--;
        this.relabel(edge, view, false);
        this.unseen.set(id, edge);
      } else if (view) {
        continue;
      }
      this.stale.delete(id);
    }
    for (const [id, edge] of this.unseen) {
      const view = this.views.get(id);
      if (view && inSight(view)) this.relabel(edge, view);
      if (!view || inSight(view)) this.unseen.delete(id);
    }
  }

  /** Asks the page for a frame in `wait` ms (sooner when already asked for sooner). */
  private wakeIn(now: number, wait: number): void {
    if (this.timer && this.timerDue <= now + wait) return;
    window.clearTimeout(this.timer);
    this.timerDue = now + wait;
    this.timer = window.setTimeout(() => {
      this.timer = 0;
      this.later();
    }, wait);
  }

  private edgeAt(target: EventTarget | null): MapEdge | undefined {
    const id = target instanceof Element ? target.closest("[data-edge]")?.getAttribute("data-edge") : null;
    return id ? this.map?.findEdge(id) : undefined;
  }

  /**
   * Places the boxes anew and draws what moved: the boxes and arrows already drawn keep their elements (and the
   * keyboard focus), and only the attributes whose values changed are written; new ones are inserted in id order
   * (the Tab order), arrows under boxes.
   */
  private layOut(map: ServiceMap): void {
    const nodes = map.allNodes();
    const edges = map.allEdges();
    const placed = layout(nodes, edges, WIDTH, HEIGHT, map.seenOrder());
    map.takeAdded();
    this.placed = placed;
    this.edgeOrder = edges.map((e) => e.id);
    if (placed.width !== this.width || this.drawnVersion < 0 || this.svg.getAttribute("height") !== String(placed.height)) {
      this.svg.setAttribute("viewBox", `0 0 ${placed.width} ${placed.height}`);
      this.svg.setAttribute("width", String(placed.width));
      this.svg.setAttribute("height", String(placed.height));
      this.svg.classList.toggle("wide", placed.width > WIDTH);
      this.width = placed.width;
    }
    if (this.drawnVersion < 0) this.svg.replaceChildren(markers(), this.edgeLayer, this.nodeLayer);
    let next: Element | null = null;
    for (let i = edges.length - 1; i >= 0; i--) {
      const edge = edges[i];
      const shape = geometry(edge, placed.at, map.findEdge(`${edge.to}->${edge.from}`) !== undefined, placed.crosses(edge.from, edge.to));
      let view = this.views.get(edge.id);
      if (!view) {
        view = this.newEdge(edge, shape);
        this.views.set(edge.id, view);
        this.edgeLayer.insertBefore(view.group, next);
      } else if (view.d !== shape.d) {
        this.move(view, shape);
      }
      next = view.group;
    }
    next = null;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      const p = placed.at.get(node.id) ?? { x: 0, y: 0 };
      let view = this.nodeViews.get(node.id);
      if (!view) {
        view = newNode(node, p);
        this.nodeViews.set(node.id, view);
        this.nodeLayer.insertBefore(view.group, next);
      } else if (view.x !== p.x || view.y !== p.y) {
        view.x = p.x;
        view.y = p.y;
        view.rect.setAttribute("x", String(p.x - BOX_W / 2));
        view.rect.setAttribute("y", String(p.y - BOX_H / 2));
        view.text.setAttribute("x", String(p.x));
        view.text.setAttribute("y", String(p.y));
      }
      next = view.group;
    }
    this.drawnVersion = map.version;
  }

  /** New arrows between boxes already drawn: drawn where the boxes are (and a reverse arrow drawn apart). */
  private addEdges(map: ServiceMap, placed: MapLayout): void {
    for (const edge of map.takeAdded()) {
      if (this.views.has(edge.id)) continue;
      const reverse = map.findEdge(`${edge.to}->${edge.from}`);
      const view = this.newEdge(edge, geometry(edge, placed.at, reverse !== undefined, placed.crosses(edge.from, edge.to)));
      let lo = 0;
      let hi = this.edgeOrder.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (byId(this.edgeOrder[mid], edge.id) < 0) lo = mid + 1;
        else hi = mid;
      }
      this.edgeLayer.insertBefore(view.group, this.views.get(this.edgeOrder[lo])?.group ?? null);
      this.edgeOrder.splice(lo, 0, edge.id);
      this.views.set(edge.id, view);
      const other = reverse && this.views.get(reverse.id);
      if (reverse && other) {
        const shape = geometry(reverse, placed.at, true, placed.crosses(reverse.from, reverse.to));
        if (shape.d !== other.d) this.move(other, shape);
      }
    }
    this.drawnVersion = map.version;
  }

  private move(view: EdgeView, shape: Geometry): void {
    view.d = shape.d;
    view.path.setAttribute("d", shape.d);
    view.x = shape.x;
    view.y = shape.y;
    view.label?.setAttribute("x", String(shape.x));
    view.label?.setAttribute("y", String(shape.y));
  }

  private describe(edge: MapEdge): string {
    const from = this.map?.findNode(edge.from)?.label ?? edge.from;
    const to = this.map?.findNode(edge.to)?.label ?? edge.to;
    const counts = [edge.forwarded ? `${edge.forwarded} allowed` : "", edge.dropped ? `${edge.dropped} dropped` : ""]
      .filter((c) => c)
      .join(", ");
    return `${from} to ${to}: ${counts} (${edge.ports.join(", ")})`;
  }

  /** An arrow whose verdict changed: its colour and dash (class), marker and data-verdict. */
  private showVerdict(edge: MapEdge, view: EdgeView): void {
    view.verdict = edge.verdict;
    view.group.setAttribute("data-verdict", edge.verdict);
    view.path.setAttribute("class", `edge ${edge.verdict}`);
    view.path.setAttribute("marker-end", `url(#arrow-${edge.verdict})`);
  }

  /** An arrow whose counts or ports changed: its title and aria-label, and its label unless `label` is false. */
  private relabel(edge: MapEdge, view: EdgeView, label = true): void {
    const text = labelText(edge);
    if (label && view.label && text !== view.text) {
      view.label.textContent = text;
      view.text = text;
    }
    const description = this.describe(edge);
    if (description !== view.description) {
      view.description = description;
      view.group.setAttribute("aria-label", description);
      view.title.textContent = description;
    }
  }

  private newEdge(edge: MapEdge, shape: Geometry): EdgeView {
    const description = this.describe(edge);
    const group = element("g", {
      class: "edge-group",
      tabindex: 0,
      role: "button",
      "aria-label": description,
      "data-edge": edge.id,
      "data-verdict": edge.verdict,
    });
    const title = element("title", {});
    title.textContent = description;
    const path = element("path", { class: `edge ${edge.verdict}`, d: shape.d, "marker-end": `url(#arrow-${edge.verdict})` });
    group.append(title, path);
    const text = labelText(edge);
    let label: SVGTextElement | null = null;
    if (!shape.loop) {
      label = element("text", { class: "edge-label", x: shape.x, y: shape.y, "text-anchor": "middle" });
      label.textContent = text;
      group.append(label);
    }
    return { x: shape.x, y: shape.y, d: shape.d, group, path, label, title, verdict: edge.verdict, text, description };
  }
}
