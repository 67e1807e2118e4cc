import { type JWK, exportJWK, generateKeyPair } from "jose";
import { beforeAll, describe, expect, inject, it } from "vitest";
import {
  type AccessConfig,
  AccessDenied,
  type AccessDeniedReason,
  accessConfigOf,
  signAccessJwt,
  verifyAccessJwt,
} from "../../src/people/access-jwt";

// Shaped as Cloudflare's "Application token" page shows an identity token
// (https://developers.cloudflare.com/cloudflare-one/identity/authorization-cookie/application-token).
const AUD = "32eafc7626e974616deaf0dc3ce63d7bcbed58a2731e84d06bc3cdf1b53c4228";
const NOW = Date.parse("2026-12-02T12:00:00Z");
const NOW_S = NOW / 1000;

interface TestKey {
  privateKey: CryptoKey;
  kid: string;
  publicJwk: JWK;
}

async function makeKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return { privateKey, kid, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

/** A team domain no other test uses: the verifier caches key sets per team domain for the isolate. */
let teams = 0;
const freshConfig = (): AccessConfig => ({ teamDomain: `https://team${++teams}-${crypto.randomUUID().slice(0, 8)}.cloudflareaccess.com`, audience: AUD });

/** Serves `keys()` as the team's JWKS at the documented path and counts the fetches. */
function fakeJwks(keys: () => JWK[], status: () => number = () => 200) {
  const calls: string[] = [];
  let now = NOW;
  const deps = {
    fetch: (async (input: RequestInfo | URL) => {
      const url = String(input);
      calls.push(url);
      if (!url.endsWith("/cdn-cgi/access/certs")) return new Response("Not Found", { status: 404 });
      if (status() !== 200) return new Response("<html>Bad Gateway</html>", { status: status() });
      return Response.json({ keys: keys() });
    }) as typeof fetch,
    now: () => now,
  };
  return { deps, calls, advance: (ms: number) => (now += ms) };
}

function claims(config: AccessConfig, overrides: Record<string, unknown> = {}) {
  return {
    aud: [config.audience],
    email: "User@Example.com ",
    exp: NOW_S + 3600,
    iat: NOW_S - 60,
    nbf: NOW_S - 60,
    iss: config.teamDomain,
    type: "app",
    identity_nonce: "6ei69kawdKzMIAPF",
    sub: "7335d417-61da-459d-899c-0a01c76a2f94",
    country: "US",
    ...overrides,
  };
}

async function deniedReason(promise: Promise<unknown>): Promise<AccessDeniedReason> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AccessDenied);
  return (error as AccessDenied).reason;
}

const b64url = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

let key: TestKey;
let otherKey: TestKey;
beforeAll(async () => {
  [key, otherKey] = await Promise.all([makeKey("kid-current"), makeKey("kid-stranger")]);
});

describe("verifyAccessJwt", () => {
  it("returns the person behind a valid token, e-mail lowercased and trimmed", async () => {
    const config = freshConfig();
    const { deps, calls } = fakeJwks(() => [key.publicJwk]);
    const identity = await verifyAccessJwt(await signAccessJwt(claims(config), key), config, deps);
    expect(identity).toEqual({ email: "user@example.com", subject: "7335d417-61da-459d-899c-0a01c76a2f94", expiresAt: NOW_S + 3600 });
    expect(calls).toEqual([`${config.teamDomain}/cdn-cgi/access/certs`]);
  });

  it("accepts a JsonWebKey private key as well as a CryptoKey when signing", async () => {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = await exportJWK(privateKey);
    const config = freshConfig();
    const publicJwk = { kty: jwk.kty, n: jwk.n, e: jwk.e, kid: "from-jwk", alg: "RS256", use: "sig" };
    const { deps } = fakeJwks(() => [publicJwk]);
    const token = await signAccessJwt(claims(config), { privateKey: jwk as JsonWebKey, kid: "from-jwk" });
    await expect(verifyAccessJwt(token, config, deps)).resolves.toMatchObject({ email: "user@example.com" });
  });

  it.each<[string, (config: AccessConfig) => Record<string, unknown>, AccessDeniedReason]>([
    ["expired an hour ago", (config) => claims(config, { exp: NOW_S - 3600, iat: NOW_S - 7200, nbf: NOW_S - 7200 }), "expired"],
    ["expired beyond the 60 s tolerance", (config) => claims(config, { exp: NOW_S - 61 }), "expired"],
    ["not valid for another hour", (config) => claims(config, { nbf: NOW_S + 3600 }), "not_yet_valid"],
    ["for another Access application", (config) => claims(config, { aud: ["0".repeat(64)] }), "wrong_audience"],
    ["from another team domain", (config) => claims(config, { iss: "https://someone-else.cloudflareaccess.com" }), "wrong_issuer"],
    ["a service token (common_name, no email)", (config) => ({ ...claims(config, { common_name: "88bf3b6d86161464f6509f7219099e57.access", sub: "" }), email: undefined }), "no_email"],
    ["an empty email", (config) => claims(config, { email: "  " }), "no_email"],
    ["no exp", (config) => ({ ...claims(config), exp: undefined }), "malformed"],
  ])("refuses a token %s", async (_name, build, reason) => {
    const config = freshConfig();
    const { deps } = fakeJwks(() => [key.publicJwk]);
    const token = await signAccessJwt(JSON.parse(JSON.stringify(build(config))), key);
    expect(await deniedReason(verifyAccessJwt(token, config, deps))).toBe(reason);
  });

  it("tolerates 60 s of clock skew on exp and nbf", async () => {
    const config = freshConfig();
    const { deps } = fakeJwks(() => [key.publicJwk]);
    const token = await signAccessJwt(claims(config, { exp: NOW_S - 30, nbf: NOW_S + 30 }), key);
    await expect(verifyAccessJwt(token, config, deps)).resolves.toMatchObject({ expiresAt: NOW_S - 30 });
  });

  it("refuses a token whose signature was made by another key under the published kid", async () => {
    const config = freshConfig();
    const { deps } = fakeJwks(() => [key.publicJwk]);
    const forged = await signAccessJwt(claims(config), { privateKey: otherKey.privateKey, kid: key.kid });
    expect(await deniedReason(verifyAccessJwt(forged, config, deps))).toBe("bad_signature");
  });

  it("refuses a token whose payload was changed after signing", async () => {
    const config = freshConfig();
    const { deps } = fakeJwks(() => [key.publicJwk]);
    const [header, , signature] = (await signAccessJwt(claims(config), key)).split(".");
    const tampered = `${header}.${b64url(claims(config, { email: "boss@example.com" }))}.${signature}`;
    expect(await deniedReason(verifyAccessJwt(tampered, config, deps))).toBe("bad_signature");
  });

  it.each([
    ["alg none", (config: AccessConfig) => `${b64url({ alg: "none", typ: "JWT" })}.${b64url(claims(config))}.`],
    ["alg none with a kid", (config: AccessConfig) => `${b64url({ alg: "none", kid: "kid-current" })}.${b64url(claims(config))}.`],
  ])("refuses an unsigned token (%s)", async (_name, build) => {
    const config = freshConfig();
    const { deps } = fakeJwks(() => [key.publicJwk]);
    expect(["bad_signature", "malformed"]).toContain(await deniedReason(verifyAccessJwt(build(config), config, deps)));
  });

  it("refuses an HS256 token, even one keyed with the public key's modulus", async () => {
    const config = freshConfig();
    const { deps } = fakeJwks(() => [key.publicJwk]);
    const secret = new TextEncoder().encode(key.publicJwk.n);
    const signingInput = `${b64url({ alg: "HS256", kid: key.kid, typ: "JWT" })}.${b64url(claims(config))}`;
    const hmacKey = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, new TextEncoder().encode(signingInput)));
    const token = `${signingInput}.${btoa(String.fromCharCode(...mac)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
    expect(["bad_signature", "malformed"]).toContain(await deniedReason(verifyAccessJwt(token, config, deps)));
  });

  it.each([["not a jwt"], [""], ["a.b.c"], [`${b64url({ alg: "RS256", typ: "JWT" })}.${b64url({})}.AAAA`]])("refuses %j as malformed", async (token) => {
    const config = freshConfig();
    const { deps } = fakeJwks(() => [key.publicJwk]);
    expect(await deniedReason(verifyAccessJwt(token, config, deps))).toBe("malformed");
  });

  it("answers unknown_key for a kid the team does not publish, after one refetch, and refetches no more often than every 30 s", async () => {
    const config = freshConfig();
    const jwks = fakeJwks(() => [key.publicJwk]);
    await verifyAccessJwt(await signAccessJwt(claims(config), key), config, jwks.deps);
    expect(jwks.calls).toHaveLength(1);

    jwks.advance(31_000);
    const stranger = await signAccessJwt(claims(config), otherKey);
    expect(await deniedReason(verifyAccessJwt(stranger, config, jwks.deps))).toBe("unknown_key");
    expect(jwks.calls).toHaveLength(2);

    // A flood of made-up kids inside the 30 s costs no further fetches.
    expect(await deniedReason(verifyAccessJwt(stranger, config, jwks.deps))).toBe("unknown_key");
    jwks.advance(29_000);
    expect(await deniedReason(verifyAccessJwt(stranger, config, jwks.deps))).toBe("unknown_key");
    expect(jwks.calls).toHaveLength(2);
  });

  it("fetches the key set once for two verifications, and again after 10 minutes", async () => {
    const config = freshConfig();
    const jwks = fakeJwks(() => [key.publicJwk]);
    const token = await signAccessJwt(claims(config, { exp: NOW_S + 86_400 }), key);
    await verifyAccessJwt(token, config, jwks.deps);
    await verifyAccessJwt(token, config, jwks.deps);
    expect(jwks.calls).toHaveLength(1);
    jwks.advance(10 * 60_000);
    await verifyAccessJwt(token, config, jwks.deps);
    expect(jwks.calls).toHaveLength(2);
  });

  it("shares one fetch between verifications that start together on a cold cache", async () => {
    const config = freshConfig();
    const jwks = fakeJwks(() => [key.publicJwk]);
    const token = await signAccessJwt(claims(config), key);
    await Promise.all([verifyAccessJwt(token, config, jwks.deps), verifyAccessJwt(token, config, jwks.deps), verifyAccessJwt(token, config, jwks.deps)]);
    expect(jwks.calls).toHaveLength(1);
  });

  it("follows a key rotation: a new kid triggers one refetch, then verifies", async () => {
    const config = freshConfig();
    let published = [key.publicJwk];
    const jwks = fakeJwks(() => published);
    await verifyAccessJwt(await signAccessJwt(claims(config), key), config, jwks.deps);

    const rotated = await makeKey("kid-next");
    published = [rotated.publicJwk, key.publicJwk]; // Access lists the new key and the one rotated out
    jwks.advance(45_000);
    const identity = await verifyAccessJwt(await signAccessJwt(claims(config), rotated), config, jwks.deps);
    expect(identity.email).toBe("user@example.com");
    expect(jwks.calls).toHaveLength(2);
    // The old key still verifies from the refreshed set, without another fetch.
    await verifyAccessJwt(await signAccessJwt(claims(config), key), config, jwks.deps);
    expect(jwks.calls).toHaveLength(2);
  });

  it.each<[string, () => number, (() => JWK[]) | null]>([
    ["the key set answers 500", () => 500, null],
    ["the key set answers 404 (wrong team domain)", () => 404, null],
    ["the key set is not a JWKS", () => 200, () => "nope" as unknown as JWK[]],
  ])("answers jwks_unavailable when %s", async (_name, status, keys) => {
    const config = freshConfig();
    const jwks = fakeJwks(keys ?? (() => [key.publicJwk]), status);
    const token = await signAccessJwt(claims(config), key);
    expect(await deniedReason(verifyAccessJwt(token, config, jwks.deps))).toBe("jwks_unavailable");
  });

  it("answers jwks_unavailable when the fetch itself fails, and does not cache the failure", async () => {
    const config = freshConfig();
    let down = true;
    const jwks = fakeJwks(() => [key.publicJwk]);
    const deps = { ...jwks.deps, fetch: (async (input: RequestInfo | URL, init?: RequestInit) => (down ? Promise.reject(new TypeError("Network connection lost.")) : jwks.deps.fetch(input, init))) as typeof fetch };
    const token = await signAccessJwt(claims(config), key);
    expect(await deniedReason(verifyAccessJwt(token, config, deps))).toBe("jwks_unavailable");
    down = false;
    await expect(verifyAccessJwt(token, config, deps)).resolves.toMatchObject({ email: "user@example.com" });
  });

  it("verifies a token signed with the fake Access server's key, fetching its JWKS over real HTTP", async () => {
    const config = accessConfigOf({ ACCESS_TEAM_DOMAIN: inject("accessUrl"), ACCESS_AUD: AUD }, true)!;
    const token = await signAccessJwt(claims(config, { exp: Math.floor(Date.now() / 1000) + 600, iat: Math.floor(Date.now() / 1000), nbf: Math.floor(Date.now() / 1000) }), {
      privateKey: JSON.parse(inject("accessPrivateJwk")) as JsonWebKey,
      kid: inject("accessKid"),
    });
    const identity = await verifyAccessJwt(token, config, { fetch: (input, init) => fetch(input, init), now: () => Date.now() });
    expect(identity.email).toBe("user@example.com");
  });
});

describe("accessConfigOf", () => {
  it.each<[string, { ACCESS_TEAM_DOMAIN?: string; ACCESS_AUD?: string }, boolean, AccessConfig | null]>([
    ["both set", { ACCESS_TEAM_DOMAIN: "https://acme.cloudflareaccess.com", ACCESS_AUD: AUD }, false, { teamDomain: "https://acme.cloudflareaccess.com", audience: AUD }],
    ["a trailing slash and spaces", { ACCESS_TEAM_DOMAIN: " https://Acme.cloudflareaccess.com/ ", ACCESS_AUD: ` ${AUD} ` }, false, { teamDomain: "https://acme.cloudflareaccess.com", audience: AUD }],
    ["http on loopback when insecure is allowed", { ACCESS_TEAM_DOMAIN: "http://127.0.0.1:8788", ACCESS_AUD: AUD }, true, { teamDomain: "http://127.0.0.1:8788", audience: AUD }],
    ["neither set", {}, false, null],
    ["only the team domain", { ACCESS_TEAM_DOMAIN: "https://acme.cloudflareaccess.com" }, false, null],
    ["only the AUD", { ACCESS_AUD: AUD }, false, null],
    ["empty strings", { ACCESS_TEAM_DOMAIN: "", ACCESS_AUD: " " }, false, null],
  ])("%s", (_name, vars, allowInsecure, expected) => {
    expect(accessConfigOf(vars, allowInsecure)).toEqual(expected);
  });

  it.each<[string, string, string, boolean, RegExp]>([
    ["http without allowInsecure", "http://acme.cloudflareaccess.com", AUD, false, /https:\/\//],
    ["a bare host", "acme.cloudflareaccess.com", AUD, false, /not a URL|https:\/\//],
    ["a path", "https://acme.cloudflareaccess.com/cdn-cgi/access/certs", AUD, false, /team domain alone/],
    ["a query", "https://acme.cloudflareaccess.com?x=1", AUD, false, /team domain alone/],
    ["another scheme", "ftp://acme.cloudflareaccess.com", AUD, true, /https:\/\//],
    ["an AUD with spaces", "https://acme.cloudflareaccess.com", "two words", false, /ACCESS_AUD/],
  ])("refuses %s", (_name, domain, aud, allowInsecure, message) => {
    expect(() => accessConfigOf({ ACCESS_TEAM_DOMAIN: domain, ACCESS_AUD: aud }, allowInsecure)).toThrow(message);
  });
});
