/**
 * Just enough X.509 to check a PayPal webhook certificate with WebCrypto: the public key
 * (SubjectPublicKeyInfo, which WebCrypto imports as "spki"), the validity dates and the subject's
 * common name. A small DER reader instead of a library: the certificate comes from the network,
 * so every length is bounds-checked and anything unexpected is a CertificateError.
 */
import { fromBase64 } from "./encoding";

export class CertificateError extends Error {
  override name = "CertificateError";
}

export interface Certificate {
  spki: Uint8Array;
  notBefore: number;
  notAfter: number;
  /** The subject's CN, or null when it has none. */
  commonName: string | null;
}

interface Node {
  tag: number;
  /** The content bytes. */
  value: Uint8Array;
  /** The whole element, header included. */
  raw: Uint8Array;
}

function readNode(bytes: Uint8Array, offset: number): { node: Node; next: number } {
  if (offset + 2 > bytes.length) throw new CertificateError("truncated DER");
  const tag = bytes[offset];
  let length = bytes[offset + 1];
  let header = 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets === 0 || octets > 4 || offset + 2 + octets > bytes.length) throw new CertificateError("bad DER length");
    length = 0;
    for (let index = 0; index < octets; index++) length = length * 256 + bytes[offset + 2 + index];
    header += octets;
  }
  const end = offset + header + length;
  if (end > bytes.length) throw new CertificateError("DER element runs past the end");
  return { node: { tag, value: bytes.subarray(offset + header, end), raw: bytes.subarray(offset, end) }, next: end };
}

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (let offset = 0; offset < node.value.length; ) {
    const { node: child, next } = readNode(node.value, offset);
    out.push(child);
    offset = next;
  }
  return out;
}

const utf8 = new TextDecoder();

/** UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ) as epoch ms. */
function readTime(node: Node): number {
  const text = String.fromCharCode(...node.value);
  const match = node.tag === 0x17 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text) : /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!match || (node.tag !== 0x17 && node.tag !== 0x18)) throw new CertificateError(`unreadable certificate time "${text}"`);
  let year = Number(match[1]);
  if (node.tag === 0x17) year += year < 50 ? 2000 : 1900;
  return Date.UTC(year, Number(match[2]) - 1, Number(match[3]), Number(match[4]), Number(match[5]), Number(match[6]));
}

// 2.5.4.3, id-at-commonName
const COMMON_NAME_OID = "550403";
const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");

function readCommonName(name: Node): string | null {
  for (const set of children(name)) {
    for (const attribute of children(set)) {
      const [oid, value] = children(attribute);
      if (oid?.tag === 0x06 && hex(oid.value) === COMMON_NAME_OID && value) return utf8.decode(value.value);
    }
  }
  return null;
}

export function parseCertificate(der: Uint8Array): Certificate {
  const { node: certificate } = readNode(der, 0);
  const [tbs] = children(certificate);
  if (certificate.tag !== 0x30 || tbs?.tag !== 0x30) throw new CertificateError("not an X.509 certificate");
  const fields = children(tbs);
  // The version is an optional [0] element; everything after it is positional.
  const start = fields[0]?.tag === 0xa0 ? 1 : 0;
  const validity = fields[start + 3];
  const subject = fields[start + 4];
  const spki = fields[start + 5];
  if (validity?.tag !== 0x30 || subject?.tag !== 0x30 || spki?.tag !== 0x30) throw new CertificateError("unexpected certificate layout");
  const [notBefore, notAfter] = children(validity);
  if (!notBefore || !notAfter) throw new CertificateError("certificate validity is incomplete");
  return { spki: spki.raw.slice(), notBefore: readTime(notBefore), notAfter: readTime(notAfter), commonName: readCommonName(subject) };
}

/** The first certificate of a PEM text (PayPal's cert URL serves the leaf first). */
export function pemToDer(pem: string, label = "CERTIFICATE"): Uint8Array {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]+?)-----END ${label}-----`).exec(pem);
  const der = match ? fromBase64(match[1].replace(/\s+/g, "")) : null;
  if (!der) throw new CertificateError(`no ${label} in the PEM text`);
  return der;
}
