// Minifies the browser snippet (tracker-server/src/main/resources/snippet/tracker.js) with terser from npm and prints
// it: `node scripts/minify-snippet.js <tracker.js> > tracker.min.js` (NODE_PATH must hold terser). The tests run it
// again and compare, so the served file is always the minified source.
const fs = require('fs');
const { minify } = require('terser');
const src = fs.readFileSync(process.argv[2], 'utf8');
minify(src, {
  compress: { passes: 2 },
  mangle: true,
  format: { comments: false, preamble: '/* tracker.js, minified by terser from tracker.js beside it in the source tree */' },
}).then((r) => process.stdout.write(r.code + '\n'), (e) => { console.error(e); process.exit(1); });
