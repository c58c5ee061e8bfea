// better-sqlite3 is a native module built for one Node ABI. After an Electron run (forge
// rebuilds it for Electron's Node) the tests would fail with NODE_MODULE_VERSION errors:
// check that it loads in this Node and rebuild it if not.
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function loads() {
  try {
    const Database = require('better-sqlite3');
    new Database(':memory:').close();
    return null;
  } catch (err) {
    return err;
  }
}

const err = loads();
if (err) {
  const why = String(err.message).split('\n')[0];
  console.error(`better-sqlite3 does not load in Node ${process.versions.node} (${why}); rebuilding it for this Node…`);
  execSync('npm rebuild better-sqlite3', { stdio: 'inherit' });
  const again = loads();
  if (again) {
    console.error(`better-sqlite3 still does not load: ${again.message}`);
    process.exit(1);
  }
}
