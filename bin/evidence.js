#!/usr/bin/env node
// The `evidence` command. Runs the TypeScript sources directly (Node strips the types), so the
// CLI needs no build step; that is why Node 22.18 or newer is required.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `evidence: Node.js ${process.versions.node} is too old. Install Node.js 22.18 or newer (see README, "Install").\n`,
  );
  process.exit(5);
}
// Our TypeScript's stripped code from a cache instead of stripping it at every start (most of
// an ingest's fixed cost); see the module.
await import('../src/core/workers/typescriptCache.mjs');
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
