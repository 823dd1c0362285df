// What the map's redraws cost, kept where a benchmark or a curious user can read it (docs/ui.md "Measuring the page"):
// `window.tendrilMap` holds the last 256 redraws in typed arrays written in place, so keeping them costs a few stores
// per frame and no memory that grows. The first complete map of a namespace is also a performance mark,
// `tendril:first-render`, in the browser's own timeline.

const SIZE = 256;

export interface RenderTimings {
  /** Events read from the live stream so far. */
  events: number;
  /** Reads of the live stream so far (each what the network had delivered). */
  reads: number;
  /** Redraws so far; redraw s is at index s % 256 while s >= seq - 256. */
  seq: number;
  /** performance.now() when the redraw began. */
  at: Float64Array;
  /** How long it took, in ms (script only: the browser's style, layout and paint follow). */
  ms: Float64Array;
  /** 1 for a layout (boxes and arrows drawn anew), 0 for an update of the changed arrows' counts and verdicts. */
  layout: Uint8Array;
  /** ms from the newest flow's time to this redraw, -1 when no new flow was drawn. */
  lag: Float64Array;
}

export const timings: RenderTimings = {
  events: 0,
  reads: 0,
  seq: 0,
  at: new Float64Array(SIZE),
  ms: new Float64Array(SIZE),
  layout: new Uint8Array(SIZE),
  lag: new Float64Array(SIZE),
};

(window as unknown as { tendrilMap: RenderTimings }).tendrilMap = timings;

export function recordRedraw(at: number, layout: boolean, lag: number): void {
  const i = timings.seq % SIZE;
  timings.at[i] = at;
  timings.ms[i] = performance.now() - at;
  timings.layout[i] = layout ? 1 : 0;
  timings.lag[i] = lag;
  timings.seq++;
}

let marked = false;

/** The first complete map since the page was opened: a mark in the browser's timeline. */
export function markFirstRender(): void {
  if (marked) return;
  marked = true;
  performance.mark("tendril:first-render");
}

/** ms since an RFC 3339 time (`2026-12-07T05:02:09.123456789Z`: Date.parse takes three digits of the fraction). */
export function ageOf(time: string): number {
  const trimmed = time.length > 24 && time.endsWith("Z") ? `${time.substring(0, 23)}Z` : time;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? -1 : Date.now() - at;
}
