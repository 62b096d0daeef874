// Parses PowerShell files with the tree-sitter PowerShell grammar and
// prints one line per file: "OK <path>" or "ERROR <path> <row>:<col> <node>".
// Usage: node pssyntax.js <node_modules dir> <file>...
const path = require('path');
const fs = require('fs');
const nm = process.argv[2];
const { Parser, Language } = require(path.join(nm, 'web-tree-sitter', 'tree-sitter.cjs'));

function firstError(node) {
  if (node.type === 'ERROR' || node.isMissing) return node;
  for (let i = 0; i < node.childCount; i++) {
    const e = firstError(node.child(i));
    if (e) return e;
  }
  return null;
}

(async () => {
  await Parser.init();
  const dir = path.join(nm, 'tree-sitter-powershell');
  const wasm = fs.readdirSync(dir).find((f) => f.endsWith('.wasm'));
  const lang = await Language.load(path.join(dir, wasm));
  const parser = new Parser();
  parser.setLanguage(lang);
  let bad = 0;
  for (const f of process.argv.slice(3)) {
    const tree = parser.parse(fs.readFileSync(f, 'utf8'));
    const e = tree.rootNode.hasError ? firstError(tree.rootNode) : null;
    if (tree.rootNode.hasError) {
      bad++;
      const where = e ? `${e.startPosition.row + 1}:${e.startPosition.column + 1} ${e.isMissing ? 'MISSING ' + e.type : e.type}` : '?';
      console.log(`ERROR ${f} ${where}`);
    } else {
      console.log(`OK ${f}`);
    }
  }
  process.exit(bad ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
