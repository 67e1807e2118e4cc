/**
 * @module
 * Verifies the `Cf-Access-Jwt-Assertion` JWT that Cloudflare Access puts on every request it lets
 * through to the dashboard, and says who the person is (their e-mail). Pure apart from the JWKS
 * fetch, which is injected (`deps.fetch`) along with the clock.
 *
 * What Access sends (docs/people.md#cloudflare-access has the sources): RS256 tokens signed with a
 * key from `<team domain>/cdn-cgi/access/certs` (a JWKS under `keys`, the current and the previous
 * key), `iss` equal to the team domain, `aud` an array holding the application's AUD tag, `email`
 * for a person (a service token carries `common_name` instead and no e-mail), `sub`, `exp`, `iat`, `nbf`.
 */
import { type JSONWebKeySet, type JWTPayload, SignJWT, createLocalJWKSet, decodeProtectedHeader, errors, importJWK, jwtVerify } from "jose";

export interface AccessConfig {
  /** `https://<team>.cloudflareaccess.com`, without a trailing slash: exactly the tokens' `iss`. */
  teamDomain: string;
  /** The Access application's Application Audience (AUD) tag. */
  audience: string;
}

export interface AccessIdentity {
  /** Lowercased and trimmed. */
  email: string;
  subject: string;
  /** Unix seconds: the token's `exp`. */
  expiresAt: number;
}

export type AccessDeniedReason =
  | "malformed"
  | "bad_signature"
  | "unknown_key"
  | "expired"
  | "not_yet_valid"
  | "wrong_audience"
  | "wrong_issuer"
  | "no_email"
  | "jwks_unavailable";

/** Why a token was refused. `jwks_unavailable` is not the caller's fault (answer 503); the rest are. */
export class AccessDenied extends Error {
  readonly reason: AccessDeniedReason;
  constructor(reason: AccessDeniedReason, message: string) {
    super(message);
    this.name = "AccessDenied";
    this.reason = reason;
  }
}

export interface AccessDeps {
  fetch: typeof fetch;
  /** Milliseconds since the epoch. */
  now: () => number;
}

/** Where Access publishes the team's signing keys (the current one and the one rotated out). */
export const ACCESS_CERTS_PATH = "/cdn-cgi/access/certs";
/** How long a fetched key set is trusted before it is fetched again. */
export const JWKS_TTL_MS = 10 * 60_000;
/** The least time between two fetches caused by an unknown `kid`, so made-up key ids cannot flood Cloudflare. */
export const JWKS_REFETCH_MIN_MS = 30_000;
const CLOCK_TOLERANCE_SECONDS = 60;
const FETCH_TIMEOUT_MS = 5_000;

/**
 * Normalises and checks the configuration. Null when either value is empty: Access is not
 * configured. Throws an Error that names the variable when a value is set but unusable.
 */
export function accessConfigOf(vars: { ACCESS_TEAM_DOMAIN?: string; ACCESS_AUD?: string }, allowInsecure: boolean): AccessConfig | null {
  const rawDomain = vars.ACCESS_TEAM_DOMAIN?.trim() ?? "";
  const audience = vars.ACCESS_AUD?.trim() ?? "";
  if (!rawDomain || !audience) return null;

  const example = "like https://<team>.cloudflareaccess.com";
  let url: URL;
  try {
    url = new URL(rawDomain);
  } catch {
    throw new Error(`ACCESS_TEAM_DOMAIN "${rawDomain}" is not a URL: write the team domain ${example}`);
  }
  const schemeAllowed = url.protocol === "https:" || (allowInsecure && url.protocol === "http:");
  if (!schemeAllowed) throw new Error(`ACCESS_TEAM_DOMAIN must be an https:// URL ${example}, not "${rawDomain}"`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    throw new Error(`ACCESS_TEAM_DOMAIN must be the team domain alone (no path, query or credentials) ${example}, not "${rawDomain}"`);
  }
  if (/\s/.test(audience) || audience.length > 256) {
    throw new Error("ACCESS_AUD must be the Access application's Application Audience (AUD) tag: one word, no spaces");
  }
  // url.origin drops the trailing slash and lowercases the host, as Access writes `iss`.
  return { teamDomain: url.origin, audience };
}

interface CachedKeys {
  jwks: JSONWebKeySet;
  fetchedAt: number;
}

/** Per team domain, for the life of the isolate. */
const cache = new Map<string, CachedKeys>();
/** One fetch in flight per team domain: a burst of requests on a cold isolate fetches once. */
const inFlight = new Map<string, Promise<CachedKeys>>();

async function fetchKeys(teamDomain: string, deps: AccessDeps): Promise<CachedKeys> {
  const pending = inFlight.get(teamDomain);
  if (pending) return pending;
  const attempt = (async () => {
    let jwks: unknown;
    try {
      const response = await deps.fetch(`${teamDomain}${ACCESS_CERTS_PATH}`, {
        headers: { accept: "application/json" },
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
      if (!response.ok) throw new Error(`answered ${response.status}`);
      jwks = await response.json();
    } catch (error) {
      throw new AccessDenied("jwks_unavailable", `Access signing keys could not be fetched from ${teamDomain}: ${(error as Error).message}`);
    }
    const keys = (jwks as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys)) throw new AccessDenied("jwks_unavailable", `Access signing keys from ${teamDomain} are not a JWKS (no "keys" array)`);
    const entry = { jwks: { keys } as JSONWebKeySet, fetchedAt: deps.now() };
    cache.set(teamDomain, entry);
    return entry;
  })();
  inFlight.set(teamDomain, attempt);
  try {
    return await attempt;
  } finally {
    inFlight.delete(teamDomain);
  }
}

async function keysFor(teamDomain: string, kid: string, deps: AccessDeps): Promise<JSONWebKeySet> {
  let entry = cache.get(teamDomain);
  if (!entry || deps.now() - entry.fetchedAt >= JWKS_TTL_MS) entry = await fetchKeys(teamDomain, deps);
  const known = entry.jwks.keys.some((key) => key.kid === kid);
  // Access rotates its key every six weeks (or by hand): a new kid means the set changed, at most once per 30 s.
  if (!known && deps.now() - entry.fetchedAt >= JWKS_REFETCH_MIN_MS) entry = await fetchKeys(teamDomain, deps);
  return entry.jwks;
}

/** Checks signature, issuer, audience and times, then returns who it is. Throws AccessDenied. */
export async function verifyAccessJwt(token: string, config: AccessConfig, deps: AccessDeps): Promise<AccessIdentity> {
  let kid: string | undefined;
  try {
    const header = decodeProtectedHeader(token);
    if (header.alg !== "RS256") throw new AccessDenied("bad_signature", `Access signs with RS256, this token says ${JSON.stringify(header.alg)}`);
    kid = header.kid;
  } catch (error) {
    if (error instanceof AccessDenied) throw error;
    throw new AccessDenied("malformed", "The Access token is not a JWT");
  }
  if (typeof kid !== "string" || !kid) throw new AccessDenied("malformed", "The Access token names no signing key (kid)");

  const jwks = await keysFor(config.teamDomain, kid, deps);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      issuer: config.teamDomain,
      audience: config.audience,
      algorithms: ["RS256"],
      currentDate: new Date(deps.now()),
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ["exp"],
    }));
  } catch (error) {
    throw deniedFor(error);
  }

  const email = typeof payload.email === "string" ? payload.email.trim().toLowerCase() : "";
  if (!email.includes("@")) throw new AccessDenied("no_email", "The Access token carries no e-mail (a service token, not a person)");
  if (typeof payload.sub !== "string") throw new AccessDenied("malformed", "The Access token has no subject (sub)");
  return { email, subject: payload.sub, expiresAt: payload.exp as number };
}

function deniedFor(error: unknown): AccessDenied {
  if (error instanceof errors.JWTExpired) return new AccessDenied("expired", "The Access token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.reason === "missing" || error.reason === "invalid") return new AccessDenied("malformed", `The Access token's "${error.claim}" claim is ${error.reason}`);
    if (error.claim === "nbf") return new AccessDenied("not_yet_valid", "The Access token is not valid yet");
    if (error.claim === "aud") return new AccessDenied("wrong_audience", "The Access token is for another Access application (aud)");
    if (error.claim === "iss") return new AccessDenied("wrong_issuer", "The Access token was issued by another team domain (iss)");
    return new AccessDenied("malformed", `The Access token's "${error.claim}" claim was refused`);
  }
  if (error instanceof errors.JWKSNoMatchingKey) return new AccessDenied("unknown_key", "The Access token was signed with a key the team does not publish");
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) {
    return new AccessDenied("bad_signature", "The Access token's signature does not verify");
  }
  if (error instanceof errors.JOSEError) return new AccessDenied("malformed", `The Access token could not be read (${error.code})`);
  throw error;
}

/** The signer the tests use (and anyone checking a set-up by hand): RS256 with the given private key and kid. */
export async function signAccessJwt(claims: Record<string, unknown>, key: { privateKey: CryptoKey | JsonWebKey; kid: string }): Promise<string> {
  const privateKey = key.privateKey instanceof CryptoKey ? key.privateKey : await importJWK(key.privateKey as Parameters<typeof importJWK>[0], "RS256");
  return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" }).sign(privateKey);
}
