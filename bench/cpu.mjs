/**
 * Part (a): CPU time per order for the Connect adapter's verify + parse (+ normalise), measured in
 * this Node process. Node 22's V8 is the engine family workerd embeds, but this is not workerd:
 * the figures compare code changes, they are not the Worker's billed CPU time.
 *
 * Each case is measured twice, on two builds of the same source: with Node's WebCrypto, and with
 * crypto answered on the calling thread as workerd does it (see in-thread-crypto.mjs).
 */
import { sign as nodeSign, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { GLOBAL_NAME as IN_THREAD_CRYPTO } from "./in-thread-crypto.mjs";
import { FORMATS, signatureHeader, signedOrder } from "./orders.mjs";

const ENTRY = path.join(import.meta.dirname, "cpu-entry.ts");
const SECRET = "bench-secret-0123456789abcdef";
const CHANNEL = { id: "ch_bench", type: "connect", secrets: [{ id: "sec_bench", secret: SECRET }], settings: {} };

export const CPU_LINE_COUNTS = [1, 20, 200];

/** The builds of cpu-entry.ts: esbuild options on top of the common ones. */
const VARIANTS = {
  webCrypto: {},
  // Every reference to the global `crypto` in src/ and its dependencies points at the stand-in.
  inThread: { define: { crypto: IN_THREAD_CRYPTO } },
};

/** Bundles bench/cpu-entry.ts (TypeScript, src/ and its npm dependencies) once per variant and imports each. */
async function loadVariants(tmpDir) {
  const modules = {};
  for (const [name, options] of Object.entries(VARIANTS)) {
    const outfile = path.join(tmpDir, `cpu-entry-${name}.mjs`);
    await build({ entryPoints: [ENTRY], outfile, bundle: true, format: "esm", platform: "node", target: "es2022", logLevel: "warning", ...options });
    modules[name] = await import(pathToFileURL(outfile).href);
  }
  return modules;
}

/** The request the inbound route hands to the adapter, for one signed order. */
function inboundRequest(format, lines) {
  const { body, contentType, signature } = signedOrder(`ext-cpu-${format}-${lines}`, lines, format, SECRET);
  return {
    headers: new Headers({ "content-type": contentType, "x-inbox-signature": signature }),
    body: new TextEncoder().encode(body),
    mediaType: contentType,
    receivedAt: Date.now(),
  };
}

/** One order through the adapter, as src/inbound/route.ts does it; anything but an order is a bench bug. */
async function verifyAndParse(adapter, request) {
  const verification = await adapter.verify(request, CHANNEL);
  if (!verification.ok) throw new Error(`verify refused the bench order: ${verification.rejection.message}`);
  const verdict = await adapter.parse(request, CHANNEL);
  if (verdict.kind !== "arrivals" || verdict.arrivals[0].type !== "order") throw new Error(`parse did not return an order: ${JSON.stringify(verdict)}`);
  return verdict;
}

const cpuMicros = (since) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

/**
 * Runs `run` sequentially until it has used at least `targetMicros` of user + system CPU, and
 * answers the CPU µs per run.
 * process.cpuUsage() covers every thread of the process, so the HMAC and SHA-256 that Node's
 * WebCrypto runs on its thread pool are counted. It is read once per batch, and each batch aims
 * at half the CPU still missing, so the sample ends just past the target with few reads.
 */
async function cpuSample(run, targetMicros) {
  const start = process.cpuUsage();
  let orders = 0;
  let used = 0;
  while (used < targetMicros) {
    // used can read 0 after a handful of very fast runs (getrusage granularity): then just double.
    const batch = used > 0 ? Math.max(1, Math.ceil((targetMicros - used) / (used / orders) / 2)) : Math.max(1, orders * 2);
    for (let index = 0; index < batch; index++) await run();
    orders += batch;
    used = cpuMicros(start);
  }
  return used / orders;
}

/** The load generator signs with node:crypto; make sure it produces what the inbox's own signer does. */
async function checkSigner(signConnect) {
  const body = FORMATS.json.encode({ check: true });
  const at = Math.floor(Date.now() / 1000);
  if ((await signConnect(body, SECRET, at)) !== signatureHeader(body, SECRET, at)) {
    throw new Error("bench/orders.mjs signatureHeader disagrees with signConnect: fix the bench signer");
  }
}

/** Both variants must reach the same idempotency key: the stand-in hashes exactly like WebCrypto. */
async function checkSameVerdict(modules, request) {
  const keys = await Promise.all(Object.values(modules).map(async ({ connectAdapter }) => (await verifyAndParse(connectAdapter, request)).arrivals[0].key));
  if (new Set(keys).size !== 1) throw new Error(`the crypto variants disagree on the order key: ${keys.join(" vs ")}`);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const summarise = (perOrder) => ({ micros: median(perOrder), min: Math.min(...perOrder), max: Math.max(...perOrder) });

/**
 * Round-robin over every case: round 0 is the warm-up, rounds 1..samples are measured. V8's JIT
 * only settles once it has seen every shape of order (a case measured before the others ran is
 * up to twice as slow), and interleaving spreads any outside load evenly over the cases.
 */
async function measureRoundRobin(runs, { cpuMs, samples }) {
  const perOrder = runs.map(() => []);
  for (let round = 0; round <= samples; round++) {
    for (const [index, run] of runs.entries()) {
      const micros = await cpuSample(run, cpuMs * 1000);
      if (round > 0) perOrder[index].push(micros);
    }
  }
  return perOrder.map(summarise);
}

const FIXTURES = path.join(import.meta.dirname, "..", "test", "fixtures", "paypal");
const PAYPAL_SETTINGS = { account_emails: ["shop@kaffeekontor.example"], receiver_id: "8XYZ4ABCDEF2G" };

/**
 * The PayPal work per delivery once PayPal has vouched for it (the postback and the certificate
 * fetch are network waits, not CPU): reading a verified IPN; checking a webhook's RSA-SHA256
 * signature (CRC-32 of the body, the certificate's key already imported, as the cache keeps it)
 * and reading the event; reading one Transaction Search record of a feed page.
 */
async function paypalCases(module) {
  const ipnBody = new TextEncoder().encode(readFileSync(path.join(FIXTURES, "ipn", "cart-utf8.body"), "utf8"));
  const webhookBody = new TextEncoder().encode(readFileSync(path.join(FIXTURES, "webhooks", "checkout-order-completed.json"), "utf8"));
  const [record] = JSON.parse(readFileSync(path.join(FIXTURES, "transactions", "records.json"), "utf8"));
  const recordText = JSON.stringify(record);

  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const certificate = { spki: new Uint8Array(publicKey.export({ type: "spki", format: "der" })), notBefore: 0, notAfter: 8.64e15, commonName: "messageverificationcerts.paypal.com" };
  const transmission = { id: "6f1c2a10-f9a1-11ef-9c1d-0b6a2e4c1d77", time: "2026-11-05T14:21:03Z" };
  const webhookId = "3HX12345AB678901C";
  const signature = nodeSign("sha256", Buffer.from(module.signedMessage(transmission.id, transmission.time, webhookId, webhookBody)), privateKey);
  const headers = new Headers({
    "paypal-transmission-id": transmission.id,
    "paypal-transmission-time": transmission.time,
    "paypal-transmission-sig": signature.toString("base64"),
    "paypal-cert-url": "https://api.paypal.com/v1/notifications/certs/CERT-bench",
    "paypal-auth-algo": "SHA256withRSA",
  });

  const expectKind = (verdict, what) => {
    if (verdict.kind !== "arrivals") throw new Error(`the bench ${what} did not become an order: ${JSON.stringify(verdict)}`);
    return verdict;
  };
  return [
    {
      name: "IPN: decode (charset) + read a verified cart IPN into an order",
      bytes: ipnBody.byteLength,
      run: async () => {
        const decoded = module.decodeIpn(ipnBody);
        expectKind(module.ipnVerdict(decoded.fields, PAYPAL_SETTINGS, Date.now()), "IPN");
      },
    },
    {
      name: "Webhook: RSA-SHA256 + CRC-32 check, then read CHECKOUT.ORDER.COMPLETED",
      bytes: webhookBody.byteLength,
      run: async () => {
        const read = module.readTransmission(headers, () => true);
        const refused = await module.verifyTransmission(read.transmission, webhookId, webhookBody, certificate, certificate.commonName, Date.now());
        if (refused) throw new Error(`the bench webhook did not verify: ${refused.message}`);
        expectKind(module.readWebhookEvent(JSON.parse(new TextDecoder().decode(webhookBody)), PAYPAL_SETTINGS), "webhook");
      },
    },
    {
      name: "Feed: read one Transaction Search record (fields=all) into an order",
      bytes: recordText.length,
      run: async () => {
        const reading = module.readTransaction(module.transactionDetailSchema.parse(JSON.parse(recordText)), PAYPAL_SETTINGS);
        if (reading.kind !== "arrival") throw new Error("the bench record did not become an order");
      },
    },
  ];
}

export async function runCpuBench({ tmpDir, cpuMs, samples }) {
  const modules = await loadVariants(tmpDir);
  await checkSigner(modules.webCrypto.signConnect);
  const cases = [];
  for (const format of Object.keys(FORMATS)) {
    for (const lines of CPU_LINE_COUNTS) {
      const request = inboundRequest(format, lines);
      await checkSameVerdict(modules, request);
      for (const [variant, { connectAdapter }] of Object.entries(modules)) {
        cases.push({ format, lines, variant, bytes: request.body.byteLength, run: () => verifyAndParse(connectAdapter, request) });
      }
    }
  }
  const results = await measureRoundRobin(cases.map((entry) => entry.run), { cpuMs, samples });

  // Node's fixed cost of one WebCrypto call, to read the small-order figures against.
  const digestInput = new Uint8Array(32);
  const [webCryptoCall] = await measureRoundRobin([() => crypto.subtle.digest("SHA-256", digestInput)], { cpuMs, samples });
  // RSA has no in-thread stand-in: PayPal's figures use Node's WebCrypto, thread-pool cost included.
  const paypal = await paypalCases(modules.webCrypto);
  const paypalResults = await measureRoundRobin(paypal.map((entry) => entry.run), { cpuMs, samples });
  return {
    engine: `Node ${process.version} (V8 ${process.versions.v8})`,
    cases: cases.map(({ format, lines, variant, bytes }, index) => ({ format, lines, variant, bytes, ...results[index] })),
    webCryptoCallMicros: webCryptoCall.micros,
    paypal: paypal.map(({ name, bytes }, index) => ({ name, bytes, ...paypalResults[index] })),
    cpuMs,
    samples,
  };
}
