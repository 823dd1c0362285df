// The SVG shapes of the map: boxes, arrows (their paths, bent around boxes in their way) and the arrowheads, made
// from a box's or an arrow's place; draw.ts decides when they are made or moved.
import { BOX_H, BOX_W, type Point } from "./layout";
import type { MapEdge, MapNode } from "./servicemap";

const SVG = "http://www.w3.org/2000/svg";

export function element<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>): SVGElementTagNameMap[K] {
  const created = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) {
    created.setAttribute(key, String(value));
  }
  return created;
}

/** Where a line from the centre of a box towards (tx, ty) leaves the box. */
function boxExit(x: number, y: number, tx: number, ty: number): [number, number] {
  const dx = tx - x;
  const dy = ty - y;
  if (dx === 0 && dy === 0) return [x, y];
  const scale = Math.min(Math.abs(dx) > 0 ? BOX_W / 2 / Math.abs(dx) : Infinity, Math.abs(dy) > 0 ? BOX_H / 2 / Math.abs(dy) : Infinity);
  return [x + dx * scale, y + dy * scale];
}

export interface NodeView {
  group: SVGGElement;
  rect: SVGRectElement;
  text: SVGTextElement;
  x: number;
  y: number;
}

/** An arrow's path and where its label goes. */
export interface Geometry {
  d: string;
  x: number;
  y: number;
  loop: boolean;
}

export function labelText(edge: MapEdge): string {
  return `${edge.ports.join(" ")} ${edge.forwarded ? `✓${edge.forwarded}` : ""}${edge.dropped ? ` ✗${edge.dropped}` : ""}`.trim();
}

export function markers(): SVGDefsElement {
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
  return defs;
}

/**
 * An arrow from its initiator's box to its peer's: a loop for a call to itself; two arrows between the same pair (both
 * directions) are drawn apart; an arrow whose straight line would cross another box bends around it.
 */
export function geometry(edge: MapEdge, at: Map<string, Point>, reverse: boolean, crosses: boolean): Geometry {
  const a = at.get(edge.from) ?? { x: 0, y: 0 };
  const b = at.get(edge.to) ?? { x: 0, y: 0 };
  if (edge.from === edge.to) {
    const d = `M ${a.x - 20} ${a.y - BOX_H / 2} C ${a.x - 40} ${a.y - 80}, ${a.x + 40} ${a.y - 80}, ${a.x + 20} ${a.y - BOX_H / 2}`;
    return { d, x: a.x, y: a.y, loop: true };
  }
  const length = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  const ux = -(b.y - a.y) / length;
  const uy = (b.x - a.x) / length;
  const bend = (crosses ? length * 0.3 : 0) + (reverse ? 10 : 0);
  const cx = (a.x + b.x) / 2 - ux * bend;
  const cy = (a.y + b.y) / 2 - uy * bend;
  const [x1, y1] = boxExit(a.x, a.y, cx, cy);
  const [x2, y2] = boxExit(b.x, b.y, cx, cy);
  return {
    d: `M ${x1} ${y1} Q ${cx} ${cy} ${x2} ${y2}`,
    x: 0.25 * x1 + 0.5 * cx + 0.25 * x2,
    y: 0.25 * y1 + 0.5 * cy + 0.25 * y2 - 6,
    loop: false,
  };
}

export function newNode(node: MapNode, p: Point): NodeView {
  const group = element("g", { class: `node ${node.kind}`, "data-node": node.id });
  const rect = element("rect", { x: p.x - BOX_W / 2, y: p.y - BOX_H / 2, width: BOX_W, height: BOX_H, rx: 6 });
  const text = element("text", { x: p.x, y: p.y });
  text.textContent = node.kind === "remote" ? node.id : node.label;
  const title = element("title", {});
  title.textContent = node.id;
  group.append(rect, text, title);
  return { group, rect, text, x: p.x, y: p.y };
}
