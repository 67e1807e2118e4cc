import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { anchorsOf, checkLinks, slug } from "./check-links.mjs";

function withTree(files, run) {
  const root = mkdtempSync(path.join(tmpdir(), "links-"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  try {
    run(root);
  } finally {
    rmSync(root, { recursive: true });
  }
}

const docs = {
  "README.md": "# Sales Inbox\n\nSee [the API](docs/connect-api.md#signing), [deploying](#deploying) and ![shot](docs/shot.png).\n\n## Deploying\n",
  "docs/connect-api.md": "# Connect\n\n## Signing\n\nBack to the [README](../README.md#sales-inbox).\n",
  "docs/shot.png": "png",
};

test("links to files that exist and headings they hold pass", () => {
  withTree(docs, (root) => assert.deepEqual(checkLinks(root), []));
});

test("a link to a missing file is reported with its file and line", () => {
  withTree({ ...docs, "docs/stock.md": "# Stock\n\nSee [channels](channels/shopify.md).\n" }, (root) => {
    assert.deepEqual(checkLinks(root), [{ file: "docs/stock.md", line: 3, target: "channels/shopify.md", problem: "no such file: docs/channels/shopify.md" }]);
  });
});

test("an anchor no heading makes is reported, in the same file and in another", () => {
  withTree({ ...docs, "README.md": "# Sales Inbox\n\n[a](#deploy) and [b](docs/connect-api.md#signatures)\n\n## Deploying\n" }, (root) => {
    assert.deepEqual(
      checkLinks(root).map(({ target, problem }) => [target, problem]),
      [
        ["#deploy", "no heading #deploy in README.md"],
        ["docs/connect-api.md#signatures", "no heading #signatures in docs/connect-api.md"],
      ],
    );
  });
});

test("code blocks and code spans hold no links; external links are not fetched", () => {
  withTree({ "README.md": "# A\n\n`[x](missing.md)`\n\n```md\n[y](gone.md)\n```\n\n[site](https://example.com/x.md) [mail](mailto:a@b.c)\n" }, (root) => {
    assert.deepEqual(checkLinks(root), []);
  });
});

test("headings slug the way GitHub slugs them, repeats numbered", () => {
  assert.equal(slug("Connect: our own API"), "connect-our-own-api");
  assert.equal(slug("A sender in PHP (7.4+, ext-curl)"), "a-sender-in-php-74-ext-curl");
  assert.equal(slug("`npm run setup:cloudflare`"), "npm-run-setupcloudflare");
  assert.equal(slug("[Links](x.md) and **bold** and snake_case"), "links-and-bold-and-snake_case");
  assert.equal(slug("Mārketing für Zoë"), "mārketing-für-zoë");
  assert.deepEqual([...anchorsOf("# Set-up\n## Mapping\n### Mapping\n```\n# not a heading\n```\n<a id=\"kept\"></a>\n")], ["set-up", "mapping", "mapping-1", "kept"]);
});

test("a source file named in inline code must exist, so a moved file takes its mentions along", () => {
  withTree({ ...docs, "src/inbound/route.ts": "", "docs/operations.md": "# Ops\n\nThe route (`src/inbound/route.ts`) and the consumer (`src/jobs/confirm-delivery.ts`).\n" }, (root) => {
    assert.deepEqual(checkLinks(root), [
      { file: "docs/operations.md", line: 3, target: "src/jobs/confirm-delivery.ts", problem: "no such file in the repository: src/jobs/confirm-delivery.ts" },
    ]);
  });
});
