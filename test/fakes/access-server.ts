/**
 * @module
 * A fake Cloudflare Access team domain for tests: a plain `node:http` server that generates an
 * RS256 key pair at start and publishes its public half where Access publishes a team's signing
 * keys, `GET /cdn-cgi/access/certs`, as `{ "keys": [ { kid, kty: "RSA", alg: "RS256", use: "sig", e, n } ] }`
 * with `content-type: application/json` (the shape of the example in Cloudflare's "Validate JWTs"
 * page: https://developers.cloudflare.com/cloudflare-one/identity/users/validating-json). Anything
 * else is 404. Tests sign tokens with `privateJwk` and `kid` (see signAccessJwt in src/people/access-jwt.ts).
 *
 * The fake's own choices: one key (Access lists the current and the previous key; the verifier's
 * rotation is tested with an injected fetch instead), a random 64-hex-digit kid (Access's kids
 * look like that), and no caching headers.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import { type FakeListenOptions, type FakeServer, listenFake } from "./fake-kit";

export interface FakeAccess extends FakeServer {
  /** The private half, as a JWK, for signing test tokens. */
  privateJwk: JsonWebKey;
  kid: string;
}

export const ACCESS_CERTS_PATH = "/cdn-cgi/access/certs";

export async function startFakeAccess(options: FakeListenOptions = {}): Promise<FakeAccess> {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = randomBytes(32).toString("hex");
  const { kty, e, n } = publicKey.export({ format: "jwk" });
  const body = JSON.stringify({ keys: [{ kid, kty, alg: "RS256", use: "sig", e, n }] });

  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url ?? "/", "http://fake");
    if (req.method !== "GET" || pathname !== ACCESS_CERTS_PATH) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
  });
  const fake = await listenFake(server, options);
  return { ...fake, privateJwk: privateKey.export({ format: "jwk" }) as JsonWebKey, kid };
}
