/**
 * @module
 * A fake European Central Bank rates endpoint for tests: a plain `node:http` server that the Worker
 * reaches by real outbound fetch, serving the two files the inbox reads at the paths the ECB uses:
 * `GET <base>/stats/eurofxref/eurofxref-daily.xml` and `GET <base>/stats/eurofxref/eurofxref-hist-90d.xml`
 * (200 with the XML text; 404 for a file not seeded, as for any unknown path; HEAD is not served).
 *
 * Many "banks" live in one server, each under its own prefix, so test files running in parallel do not
 * share state: a bank's base is `${url}/banks/<key>`, standing in for `https://www.ecb.europa.eu`.
 * Control (driven by `./ecb-control.ts`): `PUT /__control/<key>/daily` and `/90d` seed a file's XML
 * text (served byte for byte); `PUT /__control/<key>/fault` with `{ "status": 503 }` (or `null`) makes
 * every file answer that status; `GET /__control/<key>/requests` lists the paths fetched.
 *
 * The fake's own choices: the content type `text/xml; charset=UTF-8` (the client does not depend on
 * it) and no caching headers.
 */
import http from "node:http";
import { ControlError, type FakeListenOptions, type FakeServer, listenFake, parseControlJson, readRequestBody, safeDecode } from "./fake-kit";

interface Bank {
  files: Partial<Record<"daily" | "90d", string>>;
  fault: number | null;
  requests: string[];
}

const FILES: Record<string, "daily" | "90d"> = { "eurofxref-daily.xml": "daily", "eurofxref-hist-90d.xml": "90d" };
const KEY = /^[A-Za-z0-9_-]{1,64}$/;

export async function startFakeEcb(options: FakeListenOptions = {}): Promise<FakeServer> {
  const banks = new Map<string, Bank>();
  const bankOf = (key: string) => {
    let bank = banks.get(key);
    if (!bank) banks.set(key, (bank = { files: {}, fault: null, requests: [] }));
    return bank;
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://fake");
      const segments = url.pathname.split("/").filter(Boolean).map(safeDecode);
      try {
        if (segments[0] === "__control") {
          const [, key, action] = segments;
          if (!key || !KEY.test(key)) throw new ControlError(404, "unknown control path");
          const bank = bankOf(key);
          const body = (await readRequestBody(req)).toString("utf8");
          if (req.method === "PUT" && (action === "daily" || action === "90d")) {
            bank.files[action] = body;
          } else if (req.method === "PUT" && action === "fault") {
            const fault = (parseControlJson(body) as { status?: number | null }).status ?? null;
            bank.fault = fault;
          } else if (req.method === "GET" && action === "requests") {
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(bank.requests));
            return;
          } else throw new ControlError(404, `no control route ${req.method} ${action ?? ""}`);
          res.writeHead(204).end();
          return;
        }
        // /banks/<key>/stats/eurofxref/<file>
        const [banksSegment, key, stats, eurofxref, name] = segments;
        const file = FILES[name ?? ""];
        const bank = banksSegment === "banks" && key ? banks.get(key) : undefined;
        if (req.method !== "GET" || !bank || stats !== "stats" || eurofxref !== "eurofxref" || !file || segments.length !== 5) {
          res.writeHead(404, { "content-type": "text/html" }).end("<html><body>Not Found</body></html>");
          return;
        }
        bank.requests.push(url.pathname);
        if (bank.fault) {
          res.writeHead(bank.fault, { "content-type": "text/html" }).end("<html><body>Service Unavailable</body></html>");
          return;
        }
        const text = bank.files[file];
        if (text === undefined) {
          res.writeHead(404, { "content-type": "text/html" }).end("<html><body>Not Found</body></html>");
          return;
        }
        res.writeHead(200, { "content-type": "text/xml; charset=UTF-8", "content-length": Buffer.byteLength(text) }).end(text);
      } catch (error) {
        const status = error instanceof ControlError ? error.status : 500;
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: (error as Error).message }));
      }
    })();
  });
  return listenFake(server, options);
}
