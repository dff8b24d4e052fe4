#!/usr/bin/env node
// Parses Bicep files with tree-sitter-bicep and prints their syntax trees as JSON, for the infrastructure tests.
//
// Usage: node tests/Finance.Infra.Tests/bicep-to-json.js <file.bicep>... | -
//   "-" reads one Bicep text from standard input (the tests use it for deliberately broken or mutated copies).
// Run from the repository root so require() finds node_modules.
//
// Output: a JSON array with one { "path", "root" } per input. Each node is
//   { "type", "field", "named", "line", "text", "error", "missing", "children" }
// where "text" is the node's source text (named nodes only), "error" marks an ERROR node, "missing" a node the parser
// inserted to recover (both mean the file does not parse), and "line" is 1-based.
'use strict';

const fs = require('fs');
const Parser = require('tree-sitter');
const Bicep = require('tree-sitter-bicep');

// Bicep files are a few kilobytes; refuse anything absurd rather than print megabytes of JSON.
const maxSourceChars = 1_000_000;

function toJson(node, field) {
  const children = [];
  for (let i = 0; i < node.childCount; i++) {
    children.push(toJson(node.child(i), node.fieldNameForChild(i)));
  }
  return {
    type: node.type,
    field: field || null,
    named: node.isNamed,
    line: node.startPosition.row + 1,
    text: node.isNamed ? node.text : null,
    error: node.type === 'ERROR',
    missing: node.isMissing,
    children,
  };
}

function parse(parser, source, path) {
  if (source.length > maxSourceChars) {
    throw new Error(`${path}: ${source.length} characters, more than ${maxSourceChars}`);
  }
  return { path, root: toJson(parser.parse(source).rootNode, null) };
}

function main(args) {
  if (args.length === 0) {
    process.stderr.write('usage: bicep-to-json.js <file.bicep>... | -\n');
    return 2;
  }
  const parser = new Parser();
  parser.setLanguage(Bicep);
  const results = args.map((arg) =>
    arg === '-' ? parse(parser, fs.readFileSync(0, 'utf8'), '-') : parse(parser, fs.readFileSync(arg, 'utf8'), arg));
  process.stdout.write(JSON.stringify(results));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
