/**
 * Connect: the inbox's own documented API. A plugin for any platform posts the normalised order
 * as JSON or XML, signed with the channel's secret (see connect-signature.ts and the README).
 */
import { summarizeProblems } from "../../lib/errors";
import { decodeOrder } from "../../orders/order";
import { fingerprint, readBody } from "../inbound-body";
import type { ChannelAdapter, ParseVerdict } from "../types";
import { SIGNATURE_HEADER, verifyConnectSignature } from "./connect-signature";
import { connectOrderFromXml } from "./connect-xml";
import { connectSample } from "./connect-sample";

export const connectAdapter: ChannelAdapter = {
  type: "connect",
  mediaTypes: ["application/json", "application/xml", "text/xml"],
  name: "Connect",
  description: "Our own API: a plugin or integration posts signed JSON or XML orders.",
  setup: [
    ["In your store's Sales Inbox plugin (or your own integration), set the endpoint to ", { uri: true }, "."],
    ["Paste this channel's secret into the plugin: it signs every order it sends with it."],
    ["Each order is posted as it is placed or changes, as JSON or XML (see the Connect section of the README)."],
  ],
  testOrder: { sample: connectSample },
  automation: "by-hand",

  verify: (request, channel) =>
    verifyConnectSignature({
      header: request.headers.get(SIGNATURE_HEADER),
      body: request.body,
      secrets: channel.secrets,
      now: request.receivedAt,
    }),

  async parse(request): Promise<ParseVerdict> {
    // Plain JSON.parse on purpose: Connect refuses JSON numbers for money and ids (see order.ts).
    const body = readBody(request, { json: JSON.parse, xml: connectOrderFromXml });
    if (!body.ok) return { kind: "rejected", rejection: body.rejection };

    const result = decodeOrder(body.value);
    if (!result.ok) {
      return {
        kind: "rejected",
        rejection: { code: "validation_failed", message: summarizeProblems(result.issues), problems: result.issues },
      };
    }
    // Identical content is the same event, whether it came as JSON or XML or was re-serialised.
    const key = `order:${result.order.external_id}:${await fingerprint(result.order)}`;
    return { kind: "arrivals", arrivals: [{ type: "order", key, order: result.order }] };
  },
};
