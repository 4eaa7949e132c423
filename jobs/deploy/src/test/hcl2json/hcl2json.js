// Parses HCL files with HashiCorp's own HCL parser (@cdktf/hcl2json: hashicorp/hcl compiled to
// WebAssembly) and prints one JSON object, {"<file>": <the file in Terraform's JSON syntax>, ...}:
// blocks become arrays of objects, literal values stay JSON values, every expression becomes a
// "${...}" string. A file that does not parse: exit 1 with the parser's message (file:line,col).
// Usage: node hcl2json.js FILE...
'use strict';
const { parse } = require('@cdktf/hcl2json');
const fs = require('fs');

(async () => {
  const out = {};
  for (const file of process.argv.slice(2)) {
    out[file] = await parse(file, fs.readFileSync(file, 'utf8'));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => {
  process.stderr.write(String((e && e.message) || e) + '\n');
  process.exit(1);
});
