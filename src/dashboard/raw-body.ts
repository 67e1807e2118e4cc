/**
 * A delivery's raw body made readable, without changing a character of what the store sent:
 * JSON and XML are re-indented token by token (never parsed into values, so an id above 2^53 or
 * "12.50" stays as written), a form body is split into its fields. The result is text, escaped
 * when the page renders it.
 */

export type ReadableBody =
  | { kind: "json" | "xml" | "text"; text: string }
  | { kind: "form"; fields: Array<[string, string]> };

/** Re-indents JSON by walking its tokens; text that is not JSON comes back unchanged. */
export function prettyJson(text: string): string {
  try {
    JSON.parse(text);
  } catch {
    return text;
  }
  let out = "";
  let depth = 0;
  let inString = false;
  const indent = () => `\n${"  ".repeat(depth)}`;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      out += char;
      if (char === "\\") out += text[++index] ?? "";
      else if (char === '"') inString = false;
      continue;
    }
    switch (char) {
      case '"':
        inString = true;
        out += char;
        break;
      case "{":
      case "[": {
        // An empty object or array stays on one line.
        const rest = text.slice(index + 1).trimStart();
        if (rest[0] === (char === "{" ? "}" : "]")) {
          out += char === "{" ? "{}" : "[]";
          index = text.length - rest.length;
          break;
        }
        depth++;
        out += char + indent();
        break;
      }
      case "}":
      case "]":
        depth--;
        out += indent() + char;
        break;
      case ",":
        out += `,${indent()}`;
        break;
      case ":":
        out += ": ";
        break;
      case " ":
      case "\t":
      case "\n":
      case "\r":
        break;
      default:
        out += char;
    }
  }
  return out;
}

/**
 * Indents XML one element per line. An element holding only text stays on one line; XML that
 * already comes in lines (Shopify's does) is left as it is.
 */
export function prettyXml(text: string): string {
  const trimmed = text.trim();
  if (/>\s*\n\s*</.test(trimmed)) return text;
  const tokens = trimmed.match(/<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->|<[^>]+>|[^<]+/g);
  if (!tokens) return text;
  const lines: string[] = [];
  let depth = 0;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    const pad = "  ".repeat(depth);
    if (token.startsWith("</")) {
      depth = Math.max(0, depth - 1);
      lines.push("  ".repeat(depth) + token);
    } else if (token.startsWith("<?") || token.startsWith("<!") || token.endsWith("/>")) {
      lines.push(pad + token);
    } else if (token.startsWith("<")) {
      const [text, close] = [tokens[index + 1], tokens[index + 2]];
      if (text !== undefined && !text.startsWith("<") && close?.startsWith("</")) {
        lines.push(pad + token + text + close);
        index += 2;
      } else {
        lines.push(pad + token);
        depth++;
      }
    } else if (token.trim()) {
      lines.push(pad + token.trim());
    }
  }
  return lines.join("\n");
}

/** How to show a body of this content type. */
export function readableBody(body: string, contentType: string | null): ReadableBody {
  const mediaType = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType === "application/json" || mediaType.endsWith("+json")) return { kind: "json", text: prettyJson(body) };
  if (mediaType === "application/xml" || mediaType === "text/xml") return { kind: "xml", text: prettyXml(body) };
  if (mediaType === "application/x-www-form-urlencoded") {
    try {
      return { kind: "form", fields: [...new URLSearchParams(body).entries()] };
    } catch {
      return { kind: "text", text: body };
    }
  }
  return { kind: "text", text: body };
}
