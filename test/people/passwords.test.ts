import { describe, expect, it } from "vitest";
import { PASSWORD_ITERATIONS, hashPassword, passwordProblem, verifyPassword } from "../../src/people/passwords";

/**
 * Computed offline in Node, the way a Node-side bootstrap writes a first password:
 * `pbkdf2Sync(password.normalize("NFC"), Buffer.from("000102030405060708090a0b0c0d0e0f", "hex"), 100000, 32, "sha256")`,
 * salt and hash in standard padded base64.
 */
const KNOWN = [
  ["correct horse battery staple", "pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw==$SdScJfWXhGIJ8Nkud3CrZOHHXpS0zmxQkmXuZxddKh4="],
  ["caf\u00e9 au lait, s\u2019il vous pla\u00eet", "pbkdf2-sha256$100000$AAECAwQFBgcICQoLDA0ODw==$WPTWvIheteUT3FDWBWH6OzEEaTsWcBqLatMP6IOGJUA="],
] as const;

describe("hashPassword and verifyPassword", () => {
  it("writes pbkdf2-sha256$100000$<16-byte salt>$<32-byte hash> in padded base64", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(stored).toMatch(/^pbkdf2-sha256\$100000\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(PASSWORD_ITERATIONS).toBe(100_000);
  });

  it("verifies the password it hashed, and refuses another", async () => {
    const stored = await hashPassword("correct horse battery staple");
    expect(await verifyPassword("correct horse battery staple", stored)).toBe(true);
    expect(await verifyPassword("correct horse battery stapLe", stored)).toBe(false);
    expect(await verifyPassword("correct horse battery staple ", stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("salts every hash: the same password twice gives two stored values, each verifying only with its own salt", async () => {
    const [first, second] = await Promise.all([hashPassword("correct horse battery staple"), hashPassword("correct horse battery staple")]);
    expect(first).not.toBe(second);
    const [, , firstSalt] = first.split("$");
    const [, , , secondHash] = second.split("$");
    expect(await verifyPassword("correct horse battery staple", `pbkdf2-sha256$100000$${firstSalt}$${secondHash}`)).toBe(false);
  });

  it.each(KNOWN)("agrees with Node's pbkdf2Sync for %j", async (password, stored) => {
    expect(await verifyPassword(password, stored)).toBe(true);
    expect(await verifyPassword(`${password}!`, stored)).toBe(false);
  });

  it("normalises to NFC: a composed and a decomposed é both verify against either's hash", async () => {
    const composed = "caf\u00e9 au lait, s\u2019il vous pla\u00eet";
    const decomposed = "cafe\u0301 au lait, s\u2019il vous plai\u0302t";
    expect(decomposed).not.toBe(composed);
    expect(await verifyPassword(decomposed, KNOWN[1][1])).toBe(true);
    expect(await verifyPassword(composed, await hashPassword(decomposed))).toBe(true);
  });

  it("reads the iteration count from the stored value, so the cost can change later", async () => {
    // Node: pbkdf2Sync("correct horse battery staple", <same salt>, 1000, 32, "sha256").
    const salt = "AAECAwQFBgcICQoLDA0ODw==";
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode("correct horse battery staple"), "PBKDF2", false, ["deriveBits"]);
    const bits = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: Uint8Array.from(atob(salt), (c) => c.charCodeAt(0)), iterations: 1000 }, key, 256));
    const stored = `pbkdf2-sha256$1000$${salt}$${btoa(String.fromCharCode(...bits))}`;
    expect(await verifyPassword("correct horse battery staple", stored)).toBe(true);
    expect(await verifyPassword("correct horse battery staple", stored.replace("$1000$", "$1001$"))).toBe(false);
  });

  const good = KNOWN[0][1];
  const [, , goodSalt, goodHash] = good.split("$");
  it.each([
    ["empty", ""],
    ["another scheme", good.replace("pbkdf2-sha256", "pbkdf2-sha512")],
    ["bcrypt", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"],
    ["too few parts", `pbkdf2-sha256$100000$${goodSalt}`],
    ["too many parts", `${good}$extra`],
    ["iterations zero", `pbkdf2-sha256$0$${goodSalt}$${goodHash}`],
    ["iterations with a leading zero", `pbkdf2-sha256$0100000$${goodSalt}$${goodHash}`],
    ["iterations not a number", `pbkdf2-sha256$lots$${goodSalt}$${goodHash}`],
    ["iterations negative", `pbkdf2-sha256$-100000$${goodSalt}$${goodHash}`],
    // Each of the next two holds the right hash for its own parameters (Node's pbkdf2Sync), so only the rule refuses it.
    ["iterations above what production computes", `pbkdf2-sha256$100001$${goodSalt}$GurO5REMd3kaQFcr+SSCxpJK5vQPx6Z4QE5R0tNcRZ0=`],
    ["a salt shorter than 16 bytes", "pbkdf2-sha256$100000$AAECAw==$ZUxx6GW+OY6YOCOChFPw8yXfEb7s4X8j9ImkbHWRXoU="],
    ["a salt that is not base64", `pbkdf2-sha256$100000$not*base64$${goodHash}`],
    ["an empty salt", `pbkdf2-sha256$100000$$${goodHash}`],
    ["a short hash", `pbkdf2-sha256$100000$${goodSalt}$${goodHash.slice(0, 20)}`],
    ["a hash with spaces", `pbkdf2-sha256$100000$${goodSalt}$ ${goodHash}`],
  ])("refuses a malformed stored value: %s", async (_name, stored) => {
    expect(await verifyPassword("correct horse battery staple", stored)).toBe(false);
  });
  // workerd's 100,000-iteration cap is enforced in production only: open-source workerd (and so
  // miniflare here) removed the default limit (cloudflare/workerd#1471), so no test can pin it locally.
});

describe("passwordProblem", () => {
  it.each<[string, string, RegExp | null]>([
    ["12 characters", "abcdefghijkl", null],
    ["a passphrase with spaces", "correct horse battery staple", null],
    ["256 characters", "ab".repeat(128), null],
    ["11 characters", "abcdefghijk", /at least 12 characters \(this one has 11\)/],
    ["empty", "", /at least 12/],
    ["257 characters", `${"ab".repeat(128)}c`, /at most 256 characters/],
    ["one character repeated", "aaaaaaaaaaaaaaaa", /different characters/],
    ["spaces only", " ".repeat(12), /different characters/],
    ["an emoji repeated (counted as characters, not UTF-16 units)", "🔑".repeat(12), /different characters/],
    ["six emoji: 12 UTF-16 units but 6 characters", "🔑🗝🔑🗝🔑🗝", /at least 12 characters \(this one has 6\)/],
    // 12 characters once composed: "e" + U+0301 becomes one "é".
    ["decomposed accents counted after NFC", "cafe\u0301cafe\u0301caf", /at least 12 characters \(this one has 11\)/],
  ])("%s", (_name, password, problem) => {
    const answer = passwordProblem(password);
    if (problem === null) expect(answer).toBeNull();
    else expect(answer).toMatch(problem);
  });
});
