/** Signed fuzzing of a Mozello channel (see harness.ts). */
import { describe, it } from "vitest";
import { signMozello } from "../../src/channels/mozello/mozello-signature";
import cases from "../fixtures/mozello/cases.json";
import { createChannel } from "../helpers";
import { deliverBytes, fuzzChannel, fuzzTimeout } from "./harness";

const files = import.meta.glob("../fixtures/mozello/*.body", { query: "?raw", import: "default", eager: true }) as Record<string, string>;
const KEY = "fuzz-mozello-api-key";

describe("a Mozello channel under signed fuzzing", () => {
  it("answers every mutated notification 2xx or 4xx with the error envelope, never 5xx", { timeout: fuzzTimeout() }, async () => {
    const channel = await createChannel("Fuzz Mozello", { type: "mozello", secret: KEY });
    const bodies = cases.map((entry) => ({ name: entry.name, body: files[`../fixtures/mozello/${entry.name}.body`]! }));
    await fuzzChannel({
      bodies,
      post: async (bytes, entry) =>
        deliverBytes(channel.token, bytes, {
          ...(cases.find((each) => each.name === entry.name)!.headers as Record<string, string>),
          "X-Mozello-Hash": await signMozello(bytes, KEY),
        }),
    });
  });
});
