#!/usr/bin/env node
// Adds up vitest's JSON reports and pytest's JUnit XML into one closing line:
// "tests: N passed, N failed, N skipped".   node scripts/test-summary.mjs <report>...
import { existsSync, readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  if (!existsSync(file)) {
    console.log(`(no report at ${file}: that suite did not run)`);
    failed += 1;
    continue;
  }
  const text = readFileSync(file, 'utf8');
  if (file.endsWith('.json')) {
    const report = JSON.parse(text);
    passed += report.numPassedTests;
    // A file that failed with no failed test in it (it did not load, or a hook threw) counts once.
    const brokenFiles = (report.testResults ?? []).filter((file) => file.status === 'failed' && !file.assertionResults?.some((test) => test.status === 'failed'));
    failed += report.numFailedTests + brokenFiles.length;
    skipped += report.numPendingTests + report.numTodoTests;
  } else {
    const suite = /<testsuite\s[^>]*>/.exec(text)?.[0] ?? '';
    const count = (name) => Number(new RegExp(`${name}="(\\d+)"`).exec(suite)?.[1] ?? 0);
    failed += count('failures') + count('errors');
    skipped += count('skipped');
    passed += count('tests') - count('failures') - count('errors') - count('skipped');
  }
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
