/**
 * Connect: the inbox's own documented API. A plugin for any platform posts the normalised order
 * as JSON or XML, signed with the channel's secret (see connect-signature.ts and the README).
 */
import { summarizeProblems } from "../../lib/errors";
import { decodeOrder } from "../../orders/order";
import { parseXml, XmlError } from "../../lib/xml";
import { decodeUtf8, fingerprint, parseJson } from "../inbound-body";
import type { ChannelAdapter, ParseVerdict } from "../types";
import { SIGNATURE_HEADER, verifyConnectSignature } from "./connect-signature";
import { ConnectXmlError, connectOrderFromXml } from "./connect-xml";

const XML_TYPES = new Set(["application/xml", "text/xml"]);

export const connectAdapter: ChannelAdapter = {
  type: "connect",
  mediaTypes: ["application/json", "application/xml", "text/xml"],

  verify: (request, channel) =>
    verifyConnectSignature({
      header: request.headers.get(SIGNATURE_HEADER),
      body: request.body,
      secrets: channel.secrets,
      now: request.receivedAt,
    }),

  async parse(request): Promise<ParseVerdict> {
    const decoded = decodeUtf8(request.body);
    if (!decoded.ok) return { kind: "rejected", rejection: decoded.rejection };

    let value: unknown;
    if (XML_TYPES.has(request.mediaType)) {
      try {
        value = connectOrderFromXml(parseXml(decoded.text));
      } catch (error) {
        if (error instanceof XmlError) return { kind: "rejected", rejection: { code: error.code, message: error.message } };
        if (error instanceof ConnectXmlError) return { kind: "rejected", rejection: { code: "malformed_xml", message: error.message } };
        throw error;
      }
    } else {
      const json = parseJson(decoded.text);
      if (!json.ok) return { kind: "rejected", rejection: json.rejection };
      value = json.value;
    }

    const result = decodeOrder(value);
    if (!result.ok) {
      return {
        kind: "rejected",
        rejection: { code: "validation_failed", message: summarizeProblems(result.issues), problems: result.issues },
      };
    }
    // Identical content is the same event, whether it came as JSON or XML or was re-serialised.
    const key = `order:${result.order.external_id}:${await fingerprint(result.order)}`;
    return { kind: "order", arrival: { key, order: result.order } };
  },
};
