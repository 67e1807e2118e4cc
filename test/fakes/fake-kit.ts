/**
 * What the fake stores share: reading requests, control errors, and splitting a JSON array into its
 * elements' exact source text without parsing the values (seeded orders are kept byte for byte, so
 * ids above 2^53 survive as they would at the store).
 */
import type http from "node:http";
import type { AddressInfo } from "node:net";

/** Where a fake listens. */
export interface FakeListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
}

/** A running fake store. */
export interface FakeServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts `server` listening and returns its address and a close that does not hang. */
export async function listenFake(server: http.Server, options: FakeListenOptions): Promise<FakeServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // workerd and Node's fetch keep connections alive; without this close() waits for their idle timeout.
        server.closeAllConnections();
      }),
  };
}

export function readRequestBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function parseControlJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ControlError(400, "body must be JSON");
  }
}

export function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function splitJsonArray(text: string): string[] {
  JSON.parse(text); // throws on invalid JSON, before the scan below trusts the structure
  const elements: string[] = [];
  let i = skipWhitespace(text, 0) + 1; // past "["
  for (;;) {
    i = skipWhitespace(text, i);
    if (text[i] === "]" || i >= text.length) return elements;
    const start = i;
    i = skipValue(text, i);
    elements.push(text.slice(start, i));
    i = skipWhitespace(text, i);
    if (text[i] === ",") i++;
  }
}

export function skipWhitespace(text: string, i: number): number {
  while (i < text.length && (text[i] === " " || text[i] === "\n" || text[i] === "\r" || text[i] === "\t")) i++;
  return i;
}

/** `text[i]` is an opening quote; returns the index after the closing one. */
export function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === '"') return i + 1;
  }
  return i;
}

export function skipValue(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return skipString(text, i);
  if (first === "{" || first === "[") {
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '"') {
        i = skipString(text, i);
        continue;
      }
      if (c === "{" || c === "[") depth++;
      else if (c === "}" || c === "]") {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  // number, true, false, null
  while (i < text.length && !",}] \n\r\t".includes(text[i])) i++;
  return i;
}

/** A control request the fake refuses; becomes `{"error": message}` with this status. */
export class ControlError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The orders a control request seeds, each as its exact text (ids above 2^53 intact). */
export function splitArray(body: string): string[] {
  try {
    return splitJsonArray(body);
  } catch (error) {
    throw new ControlError(400, `orders body is not valid JSON: ${(error as Error).message}`);
  }
}
