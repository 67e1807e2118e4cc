/**
 * Set-up steps are data the API renders as text (and the dashboard as HTML): the text is what
 * GET /api/channels/:id has always answered, word for word.
 */
import { describe, expect, it } from "vitest";
import { adapterFor } from "../../src/channels/registry";
import { setupStepsAsText } from "../../src/channels/setup-steps";

const URI = "https://inbox.example/in/abc";

describe("set-up steps as text", () => {
  it("writes menus with >, buttons and literals as they are, values in quotes, the URI and the inbox's Connect", () => {
    expect(
      setupStepsAsText(
        [["Open ", { menu: ["A", "B"] }, ", click ", { button: "Save" }, ", pick ", { value: "XML" }, ", send ", { code: "read_orders" }, " to ", { uri: true }, "; ", { connect: true }, "."]],
        URI,
      ),
    ).toEqual([`Open A > B, click Save, pick "XML", send read_orders to ${URI}; Connect (POST /api/channels/:id/connect).`]);
  });

  it.each([
    ["woocommerce", 1, `Name "Sales Inbox", Status "Active", Topic "Order created", Delivery URL ${URI}, Secret: this channel's secret, API version "WP REST API Integration v3"; save.`],
    ["woocommerce-premium", 2, "Click Connect (POST /api/channels/:id/connect): the inbox creates its webhooks in the store itself and keeps them active."],
    ["mozello", 2, `Click Connect (POST /api/channels/:id/connect): the inbox registers ${URI} for order notifications itself.`],
    ["connect", 0, `In your store's Sales Inbox plugin (or your own integration), set the endpoint to ${URI}.`],
  ] as const)("gives %s's step %i as the API always did", (type, index, text) => {
    expect(setupStepsAsText(adapterFor(type)!.setup, URI)[index]).toBe(text);
  });
});
