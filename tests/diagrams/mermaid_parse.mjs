// Parses Mermaid files with Mermaid's own parser (issue 8, defect 19): one JSON line per file,
// {"file": ..., "ok": true|false, "error": null|"..."}. Files are the arguments, or one path a line
// on stdin when there are none. Exit 0 when every file parses, 1 when one does not, 2 on a set-up
// error (mermaid or jsdom missing: run bash .ci/setup). All files go through one node process,
// because importing mermaid costs most of the time.
//
//   node tests/diagrams/mermaid_parse.mjs docs/diagrams/before/system.mmd
//   find docs/diagrams -name '*.mmd' | node tests/diagrams/mermaid_parse.mjs
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// mermaid and jsdom live in .ci/node/node_modules (installed by .ci/setup), not next to this file
const NODE_DIR = process.env.STATEBOUND_NODE_DIR
  ?? join(dirname(fileURLToPath(import.meta.url)), "..", "..", ".ci", "node");
const require = createRequire(join(NODE_DIR, "package.json"));

async function load() {
  const { JSDOM } = await import(require.resolve("jsdom"));
  const dom = new JSDOM("<!DOCTYPE html><html><body></body></html>", { pretendToBeVisual: true });
  // mermaid (and DOMPurify, which sanitises labels while parsing) expects a browser's globals
  for (const name of ["window", "document", "navigator", "Element", "HTMLElement", "Node", "DOMParser",
                      "MutationObserver", "getComputedStyle"]) {
    if (!(name in globalThis)) {
      Object.defineProperty(globalThis, name, { value: dom.window[name], configurable: true, writable: true });
    }
  }
  const mermaid = (await import(require.resolve("mermaid"))).default;
  mermaid.initialize({ startOnLoad: false });
  return mermaid;
}

function paths() {
  const args = process.argv.slice(2);
  if (args.length) return args;
  return readFileSync(0, "utf-8").split("\n").map((s) => s.trim()).filter(Boolean);
}

let mermaid;
try {
  mermaid = await load();
} catch (err) {
  process.stderr.write(`mermaid_parse: cannot load mermaid/jsdom from ${NODE_DIR}: ${err.message}; `
    + "run bash .ci/setup (npm ci in .ci/node)\n");
  process.exit(2);
}

let failed = 0;
const verdicts = new Map(); // text -> error: many files are copies (docs/diagrams, check --out)
for (const file of paths()) {
  const text = readFileSync(file, "utf-8");
  if (!verdicts.has(text)) {
    try {
      await mermaid.parse(text);
      verdicts.set(text, null);
    } catch (err) {
      verdicts.set(text, String(err?.message ?? err));
    }
  }
  const error = verdicts.get(text);
  if (error !== null) failed += 1;
  process.stdout.write(JSON.stringify({ file, ok: error === null, error }) + "\n");
}
process.exit(failed ? 1 : 0);
