package dev.tendril.flows.bench;

/**
 * For {@link ServiceMapPageBenchmark}: the script Chromium runs in every page before the page's own
 * ({@code Page.addScriptToEvaluateOnNewDocument}), measuring any build of the service map page the same way, so the
 * current page and an older one compare: frame intervals (a requestAnimationFrame loop of its own), the duration of
 * each of the page's requestAnimationFrame callbacks (its redraws), the Long Tasks and Long Animation Frames the
 * browser reports (with a long frame's longest script and its rendering time), the server-sent events an EventSource
 * received, when the first box and the last expected box were on the map, and when a probe arrow (an edge id the
 * benchmark names before it sends that flow) appeared. Everything is kept as {@code [time since navigation, value]} in
 * {@code window.__bench} for the benchmark to read back.
 */
final class PageProbe {

    private PageProbe() {}

    static String script(int expectedNodes) {
        return """
                (() => {
                  if (window.__bench) return;
                  const b = { frames: [], callbacks: [], longTasks: [], loaf: [], loafScripts: [], messages: 0,
                              firstNodes: -1, allNodes: -1, expect: %d, probe: null, probes: [] };
                  window.__bench = b;
                  const raf = window.requestAnimationFrame.bind(window);
                  let last = -1;
                  const tick = (t) => {
                    if (last >= 0) b.frames.push([last, t - last]);
                    last = t;
                    // When it is seen (a frame's timestamp can be older than the task that drew it).
                    const now = performance.now();
                    if (b.allNodes < 0) {
                      const map = document.getElementById("map");
                      const n = map ? map.querySelectorAll("[data-node]").length : 0;
                      if (n > 0 && b.firstNodes < 0) b.firstNodes = now;
                      if (n >= b.expect) b.allNodes = now;
                    }
                    if (b.probe && document.querySelector('[data-edge="' + b.probe + '"]')) {
                      b.probes.push([b.probe, performance.timeOrigin + now]);
                      b.probe = null;
                    }
                    raf(tick);
                  };
                  raf(tick);
                  window.requestAnimationFrame = (callback) => raf((t) => {
                    const start = performance.now();
                    try { callback(t); } finally { b.callbacks.push([start, performance.now() - start]); }
                  });
                  const observe = (type, each) => {
                    try {
                      new PerformanceObserver((list) => list.getEntries().forEach(each)).observe({ type, buffered: true });
                    } catch (e) { b[type + "Unsupported"] = String(e); }
                  };
                  observe("longtask", (e) => b.longTasks.push([e.startTime, e.duration]));
                  observe("long-animation-frame", (e) => {
                    // The longest script of the frame (what the page ran), and how long the frame's rendering took.
                    const top = (e.scripts || []).reduce((a, s) => (!a || s.duration > a.duration ? s : a), null);
                    b.loaf.push([e.startTime, e.duration, e.blockingDuration,
                        e.renderStart > 0 ? e.startTime + e.duration - e.renderStart : 0, top ? top.duration : 0]);
                    b.loafScripts.push(top ? (top.invoker || top.invokerType || "?") : "");
                  });
                  const Source = window.EventSource;
                  window.EventSource = class extends Source {
                    constructor(url, init) {
                      super(url, init);
                      this.addEventListener("message", () => { b.messages++; });
                    }
                  };
                })();
                """.formatted(expectedNodes);
    }
}
