// Where the map's boxes go: columns by the longest chain of calls that reaches them (callers left of callees), a box
// near its callers within its column, and a canvas that grows with the columns so that 500 boxes stay readable.
// Pure: no page access.
import type { MapEdge, MapNode } from "./servicemap";

export const BOX_W = 150;
export const BOX_H = 36;
/** Room per column and per box once the columns no longer fit the smallest canvas. */
const COLUMN_PITCH = 260;
const ROW_PITCH = BOX_H + 14;

export interface Point {
  x: number;
  y: number;
}

/** How far p is from the segment a-b. */
export function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const squared = dx * dx + dy * dy;
  const t = squared === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / squared));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

/** The boxes' places on a canvas of `width` x `height`. */
export class MapLayout {
  /** Each column's x and its boxes from top to bottom (y grows). */
  private readonly columns: { x: number; ys: number[]; ids: string[] }[];

  constructor(
    readonly at: Map<string, Point>,
    readonly width: number,
    readonly height: number,
    columns: { x: number; ys: number[]; ids: string[] }[],
  ) {
    this.columns = [...columns].sort((a, b) => a.x - b.x);
  }

  /**
   * Whether the straight line between two boxes passes within BOX_H of the centre of another box (the arrow then
   * bends around it). Only the boxes of the columns the line spans, and there only those near the line's height, are
   * looked at: the same answer as trying every box, in a time that grows with the columns rather than the boxes.
   */
  crosses(from: string, to: string): boolean {
    const a = this.at.get(from);
    const b = this.at.get(to);
    if (!a || !b) return false;
    const left = Math.min(a.x, b.x) - BOX_H;
    const right = Math.max(a.x, b.x) + BOX_H;
    for (const column of this.columns) {
      if (column.x <= left || column.x >= right) continue;
      // The line's heights where it is less than BOX_H from this column's x: only a box there can be that close.
      let low: number;
      let high: number;
      if (a.x === b.x) {
        low = Math.min(a.y, b.y);
        high = Math.max(a.y, b.y);
      } else {
        const t0 = Math.max(0, Math.min(1, (column.x - BOX_H - a.x) / (b.x - a.x)));
        const t1 = Math.max(0, Math.min(1, (column.x + BOX_H - a.x) / (b.x - a.x)));
        const y0 = a.y + t0 * (b.y - a.y);
        const y1 = a.y + t1 * (b.y - a.y);
        low = Math.min(y0, y1);
        high = Math.max(y0, y1);
      }
      for (let i = firstAtLeast(column.ys, low - BOX_H); i < column.ys.length && column.ys[i] <= high + BOX_H; i++) {
        const id = column.ids[i];
        if (id !== from && id !== to && distanceToSegment({ x: column.x, y: column.ys[i] }, a, b) < BOX_H) return true;
      }
    }
    return false;
  }
}

function firstAtLeast(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The order in which a cycle's calls are read (Eades, Lin and Smyth's heuristic for a small feedback arc set): boxes
 * that only call go first, boxes that are only called last, and of the rest the one that calls most more than it is
 * called (ties: the one seen first). A call from a box to one earlier in this order closes a cycle and does not
 * count for the columns; without cycles every call goes forward and the columns are the longest chains.
 */
function callOrder(ids: string[], edges: MapEdge[]): Map<string, number> {
  const out = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]));
  const into = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]));
  for (const e of edges) {
    if (e.from === e.to || !out.has(e.from) || !out.has(e.to)) continue;
    out.get(e.from)?.add(e.to);
    into.get(e.to)?.add(e.from);
  }
  const left = new Set(ids);
  const front: string[] = [];
  const back: string[] = [];
  const remove = (id: string): void => {
    left.delete(id);
    for (const next of out.get(id) ?? []) into.get(next)?.delete(id);
    for (const previous of into.get(id) ?? []) out.get(previous)?.delete(id);
  };
  while (left.size > 0) {
    let moved = true;
    while (moved) {
      moved = false;
      for (const id of left) {
        if ((out.get(id)?.size ?? 0) === 0) {
          back.push(id);
          remove(id);
          moved = true;
        } else if ((into.get(id)?.size ?? 0) === 0) {
          front.push(id);
          remove(id);
          moved = true;
        }
      }
    }
    let best: string | null = null;
    let bestDelta = -Infinity;
    for (const id of left) {
      const delta = (out.get(id)?.size ?? 0) - (into.get(id)?.size ?? 0);
      if (delta > bestDelta) {
        best = id;
        bestDelta = delta;
      }
    }
    if (best !== null) {
      front.push(best);
      remove(best);
    }
  }
  const order = new Map<string, number>();
  [...front, ...back.reverse()].forEach((id, i) => order.set(id, i));
  return order;
}

/**
 * Where each node is drawn: in columns by the longest chain of calls that reaches it (callers left of callees; a call
 * that closes a cycle, or a call to world or host where they call in too, does not push its callee right), a column's boxes in the order of their callers' heights (ties:
 * as given). The canvas is at least `minWidth` x `minHeight`, and wider and taller when the columns need the room.
 * `nodes` in the order ties keep (the map's: by id); `seen`, the order they first appeared, breaks ties in cycles.
 */
export function layout(nodes: MapNode[], edges: MapEdge[], minWidth: number, minHeight: number, seen?: string[]): MapLayout {
  // world and host, where they call into the namespaces, stay in the first column: calls to them (egress to the
  // internet, replies to the node) do not push them right of every workload.
  const reserved = new Set(nodes.filter((n) => n.kind === "world" || n.kind === "host").map((n) => n.id));
  const calling = new Set(edges.filter((e) => reserved.has(e.from) && e.from !== e.to).map((e) => e.from));
  const counted = edges.filter((e) => !calling.has(e.to));
  const order = callOrder(seen ?? nodes.map((n) => n.id), counted);
  const forward = counted.filter((e) => e.from !== e.to && (order.get(e.from) ?? 0) < (order.get(e.to) ?? 0));
  const byOrder = [...nodes].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  const callers = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of forward) callers.get(e.to)?.push(e.from);
  const depth = new Map<string, number>();
  for (const n of byOrder) {
    let d = 0;
    for (const caller of callers.get(n.id) ?? []) d = Math.max(d, (depth.get(caller) ?? 0) + 1);
    depth.set(n.id, d);
  }
  const columns: MapNode[][] = [];
  for (const n of nodes) {
    const d = depth.get(n.id) ?? 0;
    (columns[d] ??= []).push(n);
  }
  // A box near its callers: each column, left to right, sorted by the mean height (0..1) of its callers so far.
  const height = new Map<string, number>();
  for (const column of columns) {
    if (!column) continue;
    const key = new Map<string, number>();
    column.forEach((n, i) => {
      const known = (callers.get(n.id) ?? []).map((c) => height.get(c)).filter((h): h is number => h !== undefined);
      key.set(n.id, known.length > 0 ? known.reduce((s, h) => s + h, 0) / known.length : (i + 0.5) / column.length);
    });
    column.sort((a, b) => (key.get(a.id) ?? 0) - (key.get(b.id) ?? 0));
    column.forEach((n, i) => height.set(n.id, (i + 0.5) / column.length));
  }
  const count = Math.max(1, columns.length);
  const longest = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  const width = Math.max(minWidth, count * COLUMN_PITCH);
  const canvasHeight = Math.max(minHeight, longest * ROW_PITCH);
  const at = new Map<string, Point>();
  const placed: { x: number; ys: number[]; ids: string[] }[] = [];
  columns.forEach((column, d) => {
    if (!column) return;
    const x = Math.round(((d + 0.5) * width) / count);
    const ys: number[] = [];
    column.forEach((n, i) => {
      const y = Math.round(((i + 0.5) * canvasHeight) / column.length);
      at.set(n.id, { x, y });
      ys.push(y);
    });
    placed.push({ x, ys, ids: column.map((n) => n.id) });
  });
  return new MapLayout(at, width, canvasHeight, placed);
}
