#!/usr/bin/env node
// Reference for the tests: the root (and each unit's proof) that OpenZeppelin's
// @openzeppelin/merkle-tree computes for a batch. Reads {"gtin": "...", "serials": [...]}
// on stdin; writes {"root": "0x...", "proofs": {serial: [...]}}.
"use strict";
const fs = require("fs");
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");

const { gtin, serials } = JSON.parse(fs.readFileSync(0, "utf8"));
const tree = StandardMerkleTree.of(serials.map((serial) => [gtin, serial]), ["uint256", "string"]);
const proofs = {};
for (const [i, [, serial]] of tree.entries()) proofs[serial] = tree.getProof(i);
process.stdout.write(JSON.stringify({ root: tree.root, proofs }));
