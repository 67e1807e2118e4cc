/**
 * The channel contract: every adapter must pass it. A delivery signed the platform's way
 * verifies and parses to the expected normalised order; a tampered body, a wrong secret, a
 * missing signature and (where the platform signs one) a stale timestamp are refused with the
 * typed error, before anything is parsed. The adapter also carries what the merchant sees of its
 * platform: a name, set-up steps that give the channel's URI, and a sample order for "send a test
 * order" that its own verifier accepts and its parser reads (or why it has none).
 */
import { describe, expect, it } from "vitest";
import type { ChannelAdapter, ChannelConfig, InboundRequest, Verification } from "../../src/channels/types";
import type { Order } from "../../src/orders/order";
import type { Refund } from "../../src/orders/refund";
import { setupStepsAsText } from "../../src/channels/setup-steps";
import { defaultAutomation } from "../../src/documents/automation";
import { utf8 } from "../../src/lib/encoding";
import { arrivalsOf } from "./verdicts";

export interface ContractFixture {
  name: string;
  mediaType: string;
  body: string;
  /**
   * What the fixture must become (money in minor units): one order or refund, or the whole list of
   * arrivals when a delivery carries several; null when the platform acknowledges it and stores nothing.
   */
  expected: Partial<Order> | Partial<Refund> | { arrivals: unknown[] } | null;
  /** Headers the platform sends besides the signature (topic, ids). */
  headers?: Record<string, string>;
  /** A request the platform does not sign (WooCommerce's ping): it verifies with no secret. */
  unsigned?: boolean;
}

export interface ChannelContractOptions {
  adapter: ChannelAdapter;
  fixtures: ContractFixture[];
  /** The platform's own signing, as the store does it: returns the headers to send. */
  sign(body: Uint8Array, secret: string, atMs: number): Promise<Record<string, string>>;
  /** Set when the platform puts a timestamp under the signature; how old is too old (ms). */
  staleAfterMs?: number;
  /** The channel's settings, where verifying needs some (PayPal's webhook id). */
  settings?: Record<string, unknown>;
  /**
   * For adapters that defer verification to their source (PayPal): finishes a "deferred" verdict
   * the way the queue's confirmation does. Such platforms sign with their own key, not the channel's
   * secret, so a verified delivery names no secret.
   */
  confirm?(request: InboundRequest, channel: ChannelConfig): Promise<Verification>;
}

const NOW = Date.parse("2026-11-28T12:00:00Z");

/** The product's promise: WooCommerce Premium and Mozello process every order on their own; the others wait for a person. */
const PROCESSES_EVERY_ORDER: ReadonlySet<string> = new Set(["woocommerce-premium", "mozello"]);

export function channelContract({ adapter, fixtures, sign, staleAfterMs, settings = {}, confirm }: ChannelContractOptions): void {
  const channel: ChannelConfig = {
    id: "ch_contract",
    type: adapter.type,
    secrets: [
      { id: "sec_old", secret: "old-secret-for-the-contract-suite" },
      { id: "sec_new", secret: "new-secret-for-the-contract-suite" },
    ],
    settings,
  };
  const verify = async (request: InboundRequest, config: ChannelConfig): Promise<Verification> => {
    const verdict = await adapter.verify(request, config);
    if (verdict.ok !== "deferred") return verdict;
    if (!confirm) throw new Error(`${adapter.type} deferred a verification but the suite was given no confirm`);
    return confirm(request, config);
  };
  const signerOf = (secretId: string) => (confirm ? null : secretId);
  const request = (body: Uint8Array, headers: Record<string, string>, mediaType: string, receivedAt = NOW): InboundRequest => ({
    headers: new Headers(headers),
    body,
    mediaType,
    receivedAt,
  });

  describe(`${adapter.type} channel contract`, () => {
    it("has a name, a description and set-up steps that give the channel's URI (or let the inbox connect the store itself)", () => {
      expect(adapter.name.trim()).not.toBe("");
      expect(adapter.description.trim()).not.toBe("");
      expect(adapter.setup.length).toBeGreaterThan(0);
      const uri = "https://inbox.example/in/contract-token";
      const text = setupStepsAsText(adapter.setup, uri);
      for (const step of text) expect(step.trim()).not.toBe("");
      const connectsItself = adapter.setup.flat().some((part) => typeof part === "object" && "connect" in part);
      if (!connectsItself) expect(text.join("\n")).toContain(uri);
    });

    it("processes every order by default exactly when the product promises it", () => {
      expect(adapter.automation).toBe(PROCESSES_EVERY_ORDER.has(adapter.type) ? "every-order" : "by-hand");
      const everything = { create: "invoice", execute: true, add_payment: true };
      expect(defaultAutomation(adapter.type)).toMatchObject(adapter.automation === "every-order" ? everything : { create: null });
    });

    const { testOrder } = adapter;
    if ("sample" in testOrder) {
      it("makes a sample order its own verifier accepts and its parser reads as a new, unpaid order", async () => {
        const sample = await testOrder.sample(channel.secrets[1].secret, NOW);
        const signed = request(utf8.encode(sample.body), sample.headers, sample.headers["content-type"].split(";")[0]);
        expect(await adapter.verify(signed, channel)).toEqual({ ok: true, secretId: "sec_new" });
        const [arrival] = arrivalsOf(await adapter.parse(signed, channel));
        expect(arrival).toMatchObject({ type: "order", order: { external_id: sample.externalId, financial_status: "pending" } });
        // Signed with another secret, the same sample is refused: the signature covers it.
        const forged = await testOrder.sample("a-secret-this-channel-never-had", NOW);
        const refused = request(utf8.encode(forged.body), forged.headers, signed.mediaType);
        expect(await adapter.verify(refused, channel)).toMatchObject({ ok: false, rejection: { code: "signature_mismatch" } });
        // Each sample is a new order.
        expect((await testOrder.sample(channel.secrets[1].secret, NOW)).externalId).not.toBe(sample.externalId);
      });
    } else {
      it("says why it has no sample order", () => {
        expect(testOrder.unavailable).toMatch(/\w+ \w+ \w+/);
      });
    }

    it.each(fixtures)("$name: a signed delivery verifies and parses to the expected order", async (fixture) => {
      const body = utf8.encode(fixture.body);
      const headers = { ...fixture.headers, ...(await sign(body, channel.secrets[0].secret, NOW)) };
      const signed = request(body, headers, fixture.mediaType);
      expect(await verify(signed, channel)).toEqual({ ok: true, secretId: fixture.unsigned ? null : signerOf("sec_old") });
      const verdict = await adapter.parse(signed, channel);
      if (fixture.expected === null) {
        expect(verdict.kind).toBe("ignored");
        return;
      }
      const arrivals = arrivalsOf(verdict);
      const content = arrivals.map((arrival) => (arrival.type === "order" ? arrival.order : arrival.type === "refund" ? arrival.refund : arrival));
      expect("arrivals" in fixture.expected ? content : content[0]).toEqual("arrivals" in fixture.expected ? fixture.expected.arrivals : fixture.expected);
      for (const arrival of arrivals) expect(arrival.key).toMatch(/\S{8,}/);
      const again = await adapter.parse(signed, channel);
      expect(arrivalsOf(again).map((arrival) => arrival.key)).toEqual(arrivals.map((arrival) => arrival.key));
    });

    const [first] = fixtures;
    const firstBody = utf8.encode(first.body);

    it("accepts a delivery signed with any active secret (rotation)", async () => {
      const signed = request(firstBody, { ...first.headers, ...(await sign(firstBody, channel.secrets[1].secret, NOW)) }, first.mediaType);
      expect(await verify(signed, channel)).toEqual({ ok: true, secretId: signerOf("sec_new") });
    });

    it("refuses a tampered body as signature_mismatch", async () => {
      const headers = await sign(firstBody, channel.secrets[0].secret, NOW);
      const tampered = firstBody.slice();
      tampered[tampered.length - 3] ^= 0x01;
      const verdict = await verify(request(tampered, headers, first.mediaType), channel);
      expect(verdict).toMatchObject({ ok: false, rejection: { code: "signature_mismatch" } });
    });

    it("refuses a body signed with a secret the channel does not hold", async () => {
      const headers = await sign(firstBody, "a-secret-this-channel-never-had", NOW);
      const verdict = await verify(request(firstBody, headers, first.mediaType), channel);
      expect(verdict).toMatchObject({ ok: false, rejection: { code: "signature_mismatch" } });
    });

    it("refuses a delivery without a signature as signature_missing", async () => {
      const verdict = await verify(request(firstBody, {}, first.mediaType), channel);
      expect(verdict).toMatchObject({ ok: false, rejection: { code: "signature_missing" } });
    });

    if (staleAfterMs !== undefined) {
      it.each([
        ["old", -(staleAfterMs + 1000)],
        ["from the future", staleAfterMs + 1000],
      ])("refuses a signature timestamp too %s as signature_expired", async (_, offset) => {
        const headers = await sign(firstBody, channel.secrets[0].secret, NOW + offset);
        const verdict = await verify(request(firstBody, headers, first.mediaType), channel);
        expect(verdict).toMatchObject({ ok: false, rejection: { code: "signature_expired" } });
      });

      it("accepts a timestamp just inside the window", async () => {
        const headers = await sign(firstBody, channel.secrets[0].secret, NOW - staleAfterMs + 1000);
        expect(await verify(request(firstBody, headers, first.mediaType), channel)).toMatchObject({ ok: true });
      });
    }
  });
}
