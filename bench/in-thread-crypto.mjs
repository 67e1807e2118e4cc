/**
 * WebCrypto answered on the calling thread, the way workerd serves crypto.subtle, for the second
 * CPU measurement of part (a). Node's own crypto.subtle hands every call to its libuv thread pool;
 * on this VM the hand-off and wake-up cost more CPU (much of it system time) than the hashing, and
 * that cost swings with how busy the machine is. Here HMAC-SHA256 and SHA-256, the only algorithms
 * the Connect path uses, run synchronously in node:crypto (OpenSSL) and come back as settled
 * promises; any other algorithm goes to Node's WebCrypto.
 */
import { createHash, createHmac } from "node:crypto";

const nodeCrypto = globalThis.crypto;
const HMAC_SECRET = Symbol("HMAC-SHA256 secret");

const isSha256 = (algorithm) => (typeof algorithm === "string" ? algorithm : algorithm?.name)?.toUpperCase() === "SHA-256";

/** A Buffer's bytes as a fresh ArrayBuffer (Buffers may be views into a shared pool). */
const arrayBufferOf = (buffer) => buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength);

const subtle = {
  async importKey(format, keyData, algorithm, extractable, usages) {
    if (format === "raw" && algorithm?.name === "HMAC" && isSha256(algorithm.hash)) return { [HMAC_SECRET]: Buffer.from(keyData) };
    return nodeCrypto.subtle.importKey(format, keyData, algorithm, extractable, usages);
  },
  async sign(algorithm, key, data) {
    if (key[HMAC_SECRET]) return arrayBufferOf(createHmac("sha256", key[HMAC_SECRET]).update(data).digest());
    return nodeCrypto.subtle.sign(algorithm, key, data);
  },
  async digest(algorithm, data) {
    if (isSha256(algorithm)) return arrayBufferOf(createHash("sha256").update(data).digest());
    return nodeCrypto.subtle.digest(algorithm, data);
  },
};

/** Stands in for the global `crypto` in the bundle built with `define: { crypto: GLOBAL_NAME }`. */
export const GLOBAL_NAME = "globalThis.__benchInThreadCrypto";
globalThis.__benchInThreadCrypto = {
  subtle,
  getRandomValues: (array) => nodeCrypto.getRandomValues(array),
  randomUUID: () => nodeCrypto.randomUUID(),
};
