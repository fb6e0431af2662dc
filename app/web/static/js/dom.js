// Building the page from data: elements made here, text always set as text (textContent), so
// nothing a record holds is ever read as HTML.

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, ...children);
  return node;
}

/** Append children: nodes as they are, everything else as text. */
export function append(node, ...children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Empty a node. */
export function clear(node) {
  node.replaceChildren();
  return node;
}

/** A link that opens a source in a new tab, its URL shown as its host. */
export function sourceLink(url, index) {
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // Not a URL: shown as it is.
  }
  return el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, `source ${index + 1} (${host})`);
}

/** The sources of a record, as links separated by commas. */
export function sourceLinks(sources) {
  const list = Array.isArray(sources) ? sources : String(sources || "").split(" ").filter(Boolean);
  const out = [];
  list.forEach((url, i) => {
    if (i) out.push(", ");
    out.push(sourceLink(url, i));
  });
  return out;
}

/** Feet as people say them: FL330 from 10,000 ft up. */
export function level(ft) {
  if (ft === null || ft === undefined) return "";
  return ft >= 10000 ? `FL${String(Math.round(ft / 100)).padStart(3, "0")}` : `${Number(ft).toLocaleString("en")} ft`;
}

/** An altitude band in words. */
export function band(lower, upper) {
  if (lower == null && upper == null) return "all levels";
  if (lower == null) return `surface to ${level(upper)}`;
  if (upper == null) return `${level(lower)} and above`;
  return `${level(lower)} to ${level(upper)}`;
}

/** Save text as a file the browser downloads. */
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
