// A server-sent event stream (GET /v1/flows?follow=true) read with fetch rather than EventSource: what arrives within
// BATCH_MS is decoded and handled together, in one task, where an EventSource dispatches a DOM event per message
// (10,000 a second at the load docs/BENCHMARKS.md "Service map page" measures). It reconnects as an EventSource does,
// after RETRY_MS, asking for the same URL.
import { timings } from "./timings";

const RETRY_MS = 3000;
/** How long what arrived waits to be handled with what arrives next: the server writes each event on its own. */
const BATCH_MS = 40;
/** Events handled in one task at most: a burst (the stream after a stall) is cut so that no task gets long. */
const SLICE = 200;

export interface StreamHandlers {
  /** The stream is open (again). */
  open(): void;
  /** The stream failed or ended; it is tried again after RETRY_MS. */
  error(): void;
  /** The data of events, in order. */
  events(data: string[]): void;
}

export class EventStream {
  private readonly abort = new AbortController();
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly handlers: StreamHandlers,
  ) {
    void this.run();
  }

  close(): void {
    this.closed = true;
    this.abort.abort();
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      try {
        const response = await fetch(this.url, {
          headers: { Accept: "text/event-stream" },
          cache: "no-store",
          signal: this.abort.signal,
        });
        if (!response.ok || !response.body) throw new Error(`${response.status}`);
        this.handlers.open();
        await this.read(response.body.getReader());
      } catch {
        // reported below, as an EventSource reports a lost stream
      }
      if (this.closed) return;
      this.handlers.error();
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }

  private async read(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let chunks: Uint8Array[] = [];
    let text = "";
    let handling: Promise<void> | null = null;
    const handle = async (): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, BATCH_MS));
      for (const chunk of chunks) text += decoder.decode(chunk, { stream: true });
      chunks = [];
      const end = text.lastIndexOf("\n\n");
      if (end >= 0) {
        const data = parse(text.substring(0, end));
        text = text.substring(end + 2);
        for (let i = 0; i < data.length && !this.closed; i += SLICE) {
          if (i > 0) await new Promise((resolve) => setTimeout(resolve));
          this.handlers.events(data.slice(i, i + SLICE));
        }
      }
      handling = null;
    };
    for (;;) {
      const { value, done } = await reader.read();
      if (done || this.closed) return;
      timings.reads++;
      chunks.push(value);
      handling ??= handle();
    }
  }
}

/** The data of each event in complete events (text/event-stream: `data:` lines, joined; `:` comments skipped). */
function parse(text: string): string[] {
  const out: string[] = [];
  for (const event of text.split("\n\n")) {
    let data: string | null = null;
    for (const line of event.split("\n")) {
      if (!line.startsWith("data:")) continue;
      const value = line.charCodeAt(5) === 32 ? line.substring(6) : line.substring(5);
      data = data === null ? value : `${data}\n${value}`;
    }
    if (data !== null) out.push(data);
  }
  return out;
}
