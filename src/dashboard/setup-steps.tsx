/**
 * How a merchant connects each kind of store, step by step as the store's own admin names things,
 * with this channel's URI filled in. The API's `setup` lists say the same in plain text.
 */
import type { ChannelType } from "../channels/types";

const Path = (props: { children: string }) => <span class="path">{props.children}</span>;
const Uri = (props: { uri: string }) => <code>{props.uri}</code>;

export function SetupSteps(props: { type: ChannelType; uri: string }) {
  const { uri } = props;
  switch (props.type) {
    case "shopify":
      return (
        <ol class="steps">
          <li>
            In the Shopify admin, open <Path>Settings › Notifications › Webhooks</Path> and click <Path>Create webhook</Path>.
          </li>
          <li>
            Event <Path>Order creation</Path>, Format <Path>XML</Path> (JSON works as well), URL <Uri uri={uri} />, Webhook API version: the newest. Click <Path>Save</Path>.
          </li>
          <li>
            Create the same webhook for <Path>Order update</Path>, <Path>Order payment</Path>, <Path>Order cancellation</Path> and <Path>Refund create</Path>, so that changes, payments,
            cancellations and refunds arrive too.
          </li>
          <li>
            Under the list of webhooks Shopify says <Path>Your webhooks will be signed with …</Path>: copy that key, add it below under <Path>Secrets › Add a secret</Path>, then
            revoke the secret the inbox generated.
          </li>
          <li>
            Optional, to catch webhooks Shopify gives up on: give the channel the shop's <code>myshopify.com</code> domain and an Admin API access token with <code>read_orders</code>{" "}
            (<Path>Settings › Apps and sales channels › Develop apps</Path>) in its settings below; the inbox then sweeps the store for orders whose webhook never came.
          </li>
        </ol>
      );
    case "woocommerce":
      return (
        <ol class="steps">
          <li>
            In WordPress, open <Path>WooCommerce › Settings › Advanced › Webhooks</Path> and click <Path>Add webhook</Path>.
          </li>
          <li>
            Name <Path>Sales Inbox</Path>, Status <Path>Active</Path>, Topic <Path>Order created</Path>, Delivery URL <Uri uri={uri} />, Secret: this channel's secret, API version{" "}
            <Path>WP REST API Integration v3</Path>. Click <Path>Save webhook</Path>.
          </li>
          <li>
            Add the same webhook with Topic <Path>Order updated</Path>, and also <Path>Order deleted</Path> and <Path>Order restored</Path>, to keep orders current.
          </li>
        </ol>
      );
    case "woocommerce-premium":
      return (
        <ol class="steps">
          <li>
            In WordPress, open <Path>WooCommerce › Settings › Advanced › REST API</Path> and click <Path>Add key</Path>: Description <Path>Sales Inbox</Path>, a shop manager or
            administrator as User, Permissions <Path>Read/Write</Path>. Click <Path>Generate API key</Path>.
          </li>
          <li>Enter the store's address, the consumer key and the consumer secret in the channel's settings below.</li>
          <li>
            Click <Path>Connect to the store</Path> below: the inbox creates its webhooks to <Uri uri={uri} /> in the store itself, and switches them back on if the store disables them.
          </li>
        </ol>
      );
    case "mozello":
      return (
        <ol class="steps">
          <li>
            In Mozello, open <Path>Store › Store settings › API</Path>, enable the API and copy the API key.
          </li>
          <li>
            Add that key below under <Path>Secrets › Add a secret</Path> and revoke the generated one: Mozello signs its notifications with it, and the inbox reads orders with it.
          </li>
          <li>
            Click <Path>Connect to the store</Path> below: the inbox registers <Uri uri={uri} /> for Mozello's order notifications.
          </li>
        </ol>
      );
    case "paypal":
      return (
        <ol class="steps">
          <li>
            In PayPal, open <Path>Account Settings › Notifications › Instant payment notifications</Path>, set the Notification URL to <Uri uri={uri} />, choose{" "}
            <Path>Receive IPN messages (Enabled)</Path> and save. Set the language encoding to UTF-8 if you can (windows-1252 works too).
          </li>
          <li>
            Give the channel the PayPal account's e-mail addresses (and its account id) in the settings below: IPNs to another account are refused.
          </li>
          <li>
            For the transaction feed: in the PayPal developer dashboard create a REST app on this account with <Path>Transaction Search</Path> ticked, and enter its client id and
            client secret (environment live or sandbox) below.
          </li>
          <li>
            For REST checkouts: on that app add a webhook with the URL <Uri uri={uri} /> for <code>CHECKOUT.ORDER.COMPLETED</code>, <code>PAYMENT.CAPTURE.COMPLETED</code>,{" "}
            <code>PAYMENT.CAPTURE.REFUNDED</code> and <code>PAYMENT.CAPTURE.REVERSED</code>, and enter its webhook id below.
          </li>
        </ol>
      );
    case "connect":
      return (
        <ol class="steps">
          <li>
            In the store's Sales Inbox plugin (or your own integration), set the endpoint to <Uri uri={uri} />.
          </li>
          <li>Paste the channel's secret into the plugin: it signs every order it sends with it (X-Inbox-Signature).</li>
          <li>Each order is posted as it is placed or changes, as JSON or XML: the README's Connect section describes the format.</li>
        </ol>
      );
  }
}

export const TYPE_NAMES: Record<ChannelType, { name: string; description: string }> = {
  connect: { name: "Connect", description: "Our own API: a plugin or integration posts signed JSON or XML orders." },
  shopify: { name: "Shopify", description: "Order webhooks from the Shopify admin (XML or JSON), signed with the shop's key." },
  woocommerce: { name: "WooCommerce", description: "Webhooks you add in WooCommerce with this channel's secret." },
  "woocommerce-premium": { name: "WooCommerce Premium", description: "The inbox connects with REST API keys, installs its webhooks and processes every order." },
  paypal: { name: "PayPal Checkout", description: "IPN and REST webhooks, each confirmed with PayPal; the transaction feed." },
  mozello: { name: "Mozello", description: "The Store API's notifications, signed with the API key; every order processed." },
};
