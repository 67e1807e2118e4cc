/**
 * What the CPU part of the bench runs: the Connect adapter and its signer exactly as the Worker
 * imports them. bench/cpu.mjs bundles this file with esbuild and imports the result in Node.
 */
export { connectAdapter } from "../src/channels/connect";
export { signConnect } from "../src/channels/connect/connect-signature";
