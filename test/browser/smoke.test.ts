/**
 * Proves the browser harness end to end, without depending on any dashboard page: headless
 * Chromium reaches the shared wrangler dev, whose real local D1 stores a signed Connect order and
 * whose real Queue consumer processes it; --test-scheduled runs a cron on request.
 */
import { createHmac } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { api, inbox, newPage, screenshot } from "./harness";

const fixture = readFileSync(path.join(import.meta.dirname, "../fixtures/connect/simple-eur.json"), "utf8");

describe("browser harness", () => {
  it("opens the inbox's /health in headless Chromium and takes a screenshot", async () => {
    const { page, close } = await newPage();
    try {
      const response = await page.goto(`${inbox().baseUrl}/health`);
      expect(response?.status()).toBe(200);
      expect(JSON.parse((await page.locator("body").innerText()).trim())).toEqual({ ok: true });
      expect(await page.evaluate("navigator.userAgent")).toMatch(/HeadlessChrome\/\d+/);
      const file = await screenshot(page, "smoke-health");
      expect(file).toMatch(/test-output\/screenshots\/smoke-health\.png$/);
      expect(existsSync(file) && statSync(file).size).toBeGreaterThan(0);
    } finally {
      await close();
    }
  });

  it("refuses the admin API without the token and answers with it", async () => {
    const anonymous = await fetch(`${inbox().baseUrl}/api/channels`);
    expect(anonymous.status).toBe(401);
    const authorised = await api("/api/channels");
    expect(authorised.status).toBe(200);
  });

  it("stores a signed Connect order in D1 and the Queue consumer processes it", async () => {
    const created = await api("/api/channels", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "connect", name: "Browser smoke" }),
    });
    expect(created.status).toBe(201);
    const channel = (await created.json()) as { id: string; uri: string; secret: string };
    expect(channel.uri.startsWith(`${inbox().baseUrl}/in/`)).toBe(true);

    const body = fixture.replace('"external_id": "100231"', '"external_id": "smoke-1"');
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac("sha256", channel.secret).update(`${t}.${body}`).digest("hex");
    const posted = await fetch(channel.uri, {
      method: "POST",
      headers: { "content-type": "application/json", "x-inbox-signature": `t=${t},v1=${v1}` },
      body,
    });
    expect(posted.status, await posted.clone().text()).toBe(202);
    const { order_id } = (await posted.json()) as { order_id: string };

    // The real consumer in wrangler dev: a batch is delivered about 1 s after the send.
    const order = await vi.waitFor(
      async () => {
        const list = (await (await api(`/api/orders?channel_id=${channel.id}`)).json()) as {
          items: Array<{ id: string; external_id: string; status: string; processing: { state: string } }>;
        };
        const found = list.items.find((item) => item.id === order_id);
        expect(found?.processing.state).toBe("done");
        return found!;
      },
      { timeout: 30_000, interval: 250 },
    );
    expect(order.external_id).toBe("smoke-1");
    expect(order.status).toBe("new");

    const { page, close } = await newPage();
    try {
      // The processed order as the admin API shows it, rendered by Chromium.
      await page.setExtraHTTPHeaders({ authorization: `Bearer ${inbox().adminToken}` });
      const response = await page.goto(`${inbox().baseUrl}/api/orders/${order_id}`);
      expect(response?.status()).toBe(200);
      expect(await page.locator("body").innerText()).toContain('"external_id":"smoke-1"');
      await screenshot(page, "smoke-processed-order");
    } finally {
      await close();
    }
  });

  it("runs a cron on request (wrangler dev --test-scheduled)", async () => {
    const response = await fetch(`${inbox().baseUrl}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/Ran scheduled event/);
  });
});
