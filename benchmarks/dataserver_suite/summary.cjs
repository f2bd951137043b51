// Summarise mocha JSON reporter files: tests / passed / failed / pending
const fs = require('fs');
let verbose = process.argv.includes('-v');
for (const f of process.argv.slice(2).filter(a => a !== '-v')) {
  const j = JSON.parse(fs.readFileSync(f, 'utf8'));
  const s = j.stats;
  const hooks = j.failures.filter(t => /hook/.test(t.title)).length;
  console.log(`${f.split('/').pop()}: tests=${s.tests} passes=${s.passes} failures=${s.failures} pending=${s.pending}` + (hooks ? ` (hook failures ${hooks})` : ''));
  if (verbose) for (const t of j.failures) console.log('  FAIL', t.fullTitle, '::', (t.err.message || '').split('\n')[0].slice(0, 300));
}
