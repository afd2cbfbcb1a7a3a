#!/usr/bin/env node
// Reference for the tests: the root (and the proofs of the first `proofs` units) that
// OpenZeppelin's @openzeppelin/merkle-tree computes for a batch. Reads
// {"gtin": "...", "serials": [...], "proofs": N} on stdin; writes {"root": "0x...", "proofs": {serial: [...]}}.
"use strict";
const fs = require("fs");
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");

const { gtin, serials, proofs: proofCount = 0 } = JSON.parse(fs.readFileSync(0, "utf8"));
const tree = StandardMerkleTree.of(serials.map((serial) => [gtin, serial]), ["uint256", "string"]);
const proofs = {};
for (const [i, [, serial]] of tree.entries()) {
  if (i >= proofCount) break;
  proofs[serial] = tree.getProof(i);
}
process.stdout.write(JSON.stringify({ root: tree.root, proofs }));
