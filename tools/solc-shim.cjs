#!/usr/bin/env node
// A `solc` command line for py-solc-x (and so ape-solidity), backed by solcjs from npm:
// no native solc can be had from PyPI, npm or Debian. py-solc-x only ever calls
// `solc --version` and `solc --standard-json [--base-path P] [--include-path P] [--allow-paths P]`.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const args = process.argv.slice(2);

if (args.includes("--version")) {
  // py-solc-x reads the line "Version: X.Y.Z+commit.HASH".
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}

if (!args.includes("--standard-json")) {
  process.stderr.write(`solc-shim: only --version and --standard-json are supported, got: ${args.join(" ")}\n`);
  process.exit(2);
}

function optionValues(name) {
  const values = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name && i + 1 < args.length) values.push(...args[i + 1].split(","));
  }
  return values;
}

const roots = [...optionValues("--base-path"), ...optionValues("--include-path")];
if (roots.length === 0) roots.push(process.cwd());
const allowed = [...roots, ...optionValues("--allow-paths")].map((p) => path.resolve(p));

function findImport(importPath) {
  const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((r) => path.resolve(r, importPath));
  for (const candidate of candidates) {
    if (!allowed.some((dir) => candidate === dir || candidate.startsWith(dir + path.sep))) continue;
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, "utf8") };
  }
  return { error: `File not found: ${importPath} (searched ${roots.join(", ")})` };
}

const input = fs.readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImport }));
