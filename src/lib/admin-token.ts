/** The admin token: what the management API's bearer and the dashboard's sign-in both check. */
import { timingSafeEqual } from "./encoding";
import { sha256 } from "./hmac";

/** Whether `given` is the admin token; hashing first makes the comparison constant-time whatever the lengths. */
export async function isAdminToken(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256(given), sha256(expected)]);
  return timingSafeEqual(a, b);
}
