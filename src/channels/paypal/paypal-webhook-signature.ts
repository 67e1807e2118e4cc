/**
 * PayPal REST webhook signatures, checked offline (PayPal's "self-verification"): an RSA-SHA256
 * (PKCS#1 v1.5) signature over `transmission_id|transmission_time|webhook_id|crc32(raw body)`,
 * the CRC as an unsigned decimal, made with the key of the certificate at PAYPAL-CERT-URL. The
 * certificate is fetched only from PayPal's own hosts (a sender-chosen URL is otherwise an
 * open door: anyone could sign with their own certificate), must name PayPal's message
 * verification host and must be valid now.
 */
import { crc32 } from "../../lib/crc32";
import { fromBase64, toBase64, utf8 } from "../../lib/encoding";
import { CertificateError, parseCertificate, pemToDer, type Certificate } from "../../lib/x509";
import type { Rejection } from "../types";

export const WEBHOOK_HEADERS = {
  id: "paypal-transmission-id",
  time: "paypal-transmission-time",
  signature: "paypal-transmission-sig",
  certUrl: "paypal-cert-url",
  algorithm: "paypal-auth-algo",
} as const;

export interface WebhookTransmission {
  id: string;
  time: string;
  signature: Uint8Array;
  certUrl: string;
}

/** What PayPal signs for one delivery. */
export const signedMessage = (transmissionId: string, transmissionTime: string, webhookId: string, body: Uint8Array): string =>
  `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(body)}`;

/** The transmission headers of a webhook delivery, or why they cannot be used. */
export function readTransmission(headers: Headers, certUrlAllowed: (url: string) => boolean): { ok: true; transmission: WebhookTransmission } | { ok: false; rejection: Rejection } {
  const id = headers.get(WEBHOOK_HEADERS.id);
  const time = headers.get(WEBHOOK_HEADERS.time);
  const signature = headers.get(WEBHOOK_HEADERS.signature);
  const certUrl = headers.get(WEBHOOK_HEADERS.certUrl);
  if (!id || !time || !signature || !certUrl) {
    return {
      ok: false,
      rejection: { code: "signature_missing", message: "A PayPal webhook carries PAYPAL-TRANSMISSION-ID, -TIME, -SIG and PAYPAL-CERT-URL; some are missing" },
    };
  }
  const algorithm = headers.get(WEBHOOK_HEADERS.algorithm);
  if (algorithm && algorithm !== "SHA256withRSA") {
    return { ok: false, rejection: { code: "signature_malformed", message: `PAYPAL-AUTH-ALGO "${algorithm}" is not SHA256withRSA` } };
  }
  const bytes = fromBase64(signature);
  if (!bytes || bytes.length < 128) return { ok: false, rejection: { code: "signature_malformed", message: "PAYPAL-TRANSMISSION-SIG is not a base64 RSA signature" } };
  if (!certUrlAllowed(certUrl)) {
    return { ok: false, rejection: { code: "signature_malformed", message: "PAYPAL-CERT-URL does not point at PayPal's certificate service, so it is not trusted" } };
  }
  return { ok: true, transmission: { id, time, signature: bytes, certUrl } };
}

const keyCache = new WeakMap<Certificate, Promise<CryptoKey>>();
const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } as const;

/** Checks a delivery against a certificate already fetched from its (allowed) URL. */
export async function verifyTransmission(
  transmission: WebhookTransmission,
  webhookId: string,
  body: Uint8Array,
  certificate: Certificate,
  expectedCommonName: string,
  now: number,
): Promise<Rejection | null> {
  if (certificate.commonName !== expectedCommonName) {
    return { code: "signature_mismatch", message: `The signing certificate is for "${certificate.commonName ?? "(no name)"}", not ${expectedCommonName}` };
  }
  if (now < certificate.notBefore || now > certificate.notAfter) {
    return { code: "signature_expired", message: "The signing certificate is not valid at this time" };
  }
  let key = keyCache.get(certificate);
  if (!key) {
    key = crypto.subtle.importKey("spki", certificate.spki as BufferSource, RSA, false, ["verify"]);
    keyCache.set(certificate, key);
  }
  const message = utf8.encode(signedMessage(transmission.id, transmission.time, webhookId, body));
  let valid: boolean;
  try {
    valid = await crypto.subtle.verify(RSA, await key, transmission.signature as BufferSource, message as BufferSource);
  } catch {
    valid = false;
  }
  return valid
    ? null
    : { code: "signature_mismatch", message: "The PayPal signature does not match: the body was changed, or the channel's webhook_id is not this webhook's id" };
}

/** Reads a PEM certificate text, or says why it cannot be used. */
export function readCertificate(pem: string): Certificate | Rejection {
  try {
    return parseCertificate(pemToDer(pem));
  } catch (error) {
    if (error instanceof CertificateError) return { code: "signature_malformed", message: `PayPal's certificate could not be read: ${error.message}` };
    throw error;
  }
}

/**
 * Signs a delivery the way PayPal does, with a PKCS#8 private key: what the tests (and a merchant
 * checking a set-up by hand) use to produce deliveries this verifier accepts.
 */
export async function signWebhook(
  privateKeyPem: string,
  delivery: { transmissionId: string; transmissionTime: string; webhookId: string; certUrl: string; body: Uint8Array },
): Promise<Record<string, string>> {
  const key = await crypto.subtle.importKey("pkcs8", pemToDer(privateKeyPem, "PRIVATE KEY") as BufferSource, RSA, false, ["sign"]);
  const message = utf8.encode(signedMessage(delivery.transmissionId, delivery.transmissionTime, delivery.webhookId, delivery.body));
  const signature = new Uint8Array(await crypto.subtle.sign(RSA, key, message as BufferSource));
  return {
    [WEBHOOK_HEADERS.id]: delivery.transmissionId,
    [WEBHOOK_HEADERS.time]: delivery.transmissionTime,
    [WEBHOOK_HEADERS.signature]: toBase64(signature),
    [WEBHOOK_HEADERS.certUrl]: delivery.certUrl,
    [WEBHOOK_HEADERS.algorithm]: "SHA256withRSA",
    "paypal-auth-version": "v2",
  };
}
