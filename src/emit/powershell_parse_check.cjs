// Parses PowerShell scripts with tree-sitter-powershell (WebAssembly, under
// node) and exits 1, naming each place, when a tree has an error or a
// missing node. Used by powershell_writer_test.cc, which runs it as
// `node --liftoff-only`: V8's optimising compile of the 1 MB grammar takes
// some 10 s of CPU at exit, the baseline compiler alone well under 1 s.
// Install once:
//   npm install --prefix /usr/local/lib/highport-node web-tree-sitter@0.27.1 tree-sitter-powershell@0.26.4
// and point NODE_PATH (or HIGHPORT_NODE_MODULES for the test) at its node_modules.
'use strict';
const fs = require('fs');
const { Parser, Language } = require('web-tree-sitter');

async function main(files) {
  await Parser.init();
  const grammar = require.resolve('tree-sitter-powershell/tree-sitter-powershell.wasm');
  const parser = new Parser();
  parser.setLanguage(await Language.load(grammar));
  let problems = 0;
  for (const file of files) problems += check(parser, file);
  process.exit(problems ? 1 : 0);
}

function check(parser, file) {
  let text = fs.readFileSync(file, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const tree = parser.parse(text);
  let problems = 0;
  const visit = (node) => {
    if (node.isError || node.isMissing) {
      problems++;
      const where = `${file}:${node.startPosition.row + 1}:${node.startPosition.column + 1}`;
      console.log(`${where}: ${node.isMissing ? 'missing ' + node.type : 'syntax error'}: ${node.text.slice(0, 80)}`);
    }
    if (node.hasError || node.isMissing) for (const child of node.children) visit(child);
  };
  visit(tree.rootNode);
  return problems;
}

main(process.argv.slice(2)).catch((e) => { console.error(e); process.exit(2); });
