// Starts @octokit/fixtures-server (recorded api.github.com answers) bound to
// 127.0.0.1 only, on a free port. The package's own CLI listens on all
// interfaces, so tests use this wrapper instead.
//
// Usage: node octokit-fixtures-server.mjs <node_modules dir>
// Prints one line, {"url":"http://127.0.0.1:PORT"}, when ready; exits when
// stdin closes (so it never outlives the test that started it).
import http from "node:http";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node octokit-fixtures-server.mjs <node_modules dir>");
  process.exit(2);
}
const load = async (p) => (await import(pathToFileURL(join(dir, p)).href)).default;
const express = await load("express/index.js");
const fixtureServerMiddleware = await load("@octokit/fixtures-server/index.js");

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address();
  const url = `http://127.0.0.1:${port}`;
  const app = express();
  app.get("/ping", (request, response) => response.json({ ok: true }));
  app.use(
    fixtureServerMiddleware({
      port,
      fixturesUrl: url,
      logLevel: "silent",
      ttl: 60000,
    }),
  );
  server.on("request", app);
  process.stdout.write(JSON.stringify({ url }) + "\n");
});

process.stdin.resume();
process.stdin.on("end", () => server.close(() => process.exit(0)));
process.stdin.on("close", () => process.exit(0));
