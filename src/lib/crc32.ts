/**
 * CRC-32 (IEEE 802.3, the zlib one) of raw bytes, as an unsigned integer. PayPal signs webhooks
 * over the decimal CRC of the body; a signed 32-bit result (what some libraries return) would fail
 * for half of all bodies, so the result is always made unsigned.
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let index = 0; index < bytes.length; index++) crc = TABLE[(crc ^ bytes[index]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
