/**
 * What the CPU part of the bench runs: the Connect adapter and its signer, and the PayPal readers
 * and webhook verifier, exactly as the Worker imports them. bench/cpu.mjs bundles this file with esbuild and imports the result in Node.
 */
export { connectAdapter } from "../src/channels/connect";
export { signConnect } from "../src/channels/connect/connect-signature";
export { decodeIpn } from "../src/channels/paypal/paypal-ipn";
export { ipnVerdict, readTransaction, readWebhookEvent } from "../src/channels/paypal/paypal-read";
export { transactionDetailSchema } from "../src/channels/paypal/paypal-payloads";
export { readTransmission, verifyTransmission, signedMessage } from "../src/channels/paypal/paypal-webhook-signature";
