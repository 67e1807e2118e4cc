/** Signed fuzzing of a Connect channel, JSON and XML (see harness.ts). */
import { describe, it } from "vitest";
import { createChannel, postOrder } from "../helpers";
import { fuzzChannel, fuzzTimeout } from "./harness";

const files = import.meta.glob("../fixtures/connect/*.{json,xml}", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const bodies = Object.entries(files)
  .filter(([file]) => !file.endsWith(".expected.json"))
  .map(([file, body]) => ({ name: file.split("/").pop()!, body, xml: file.endsWith(".xml") }));

describe("a Connect channel under signed fuzzing", () => {
  for (const format of ["JSON", "XML"] as const) {
    it(`answers every mutated ${format} order 2xx or 4xx with the error envelope, never 5xx`, { timeout: fuzzTimeout() }, async () => {
      const channel = await createChannel(`Fuzz Connect ${format}`);
      await fuzzChannel({
        bodies: bodies.filter((entry) => entry.xml === (format === "XML")),
        post: (bytes) => postOrder(channel, bytes, { contentType: format === "XML" ? "application/xml" : "application/json" }),
      });
    });
  }
});
