// Starts @modelcontextprotocol/server-everything with its streamableHttp transport on loopback only,
// on the port given as the first argument (0 = any free port), and prints
// "everything listening on http://127.0.0.1:PORT/mcp" once it accepts connections.
// The package's own launcher listens on every interface (app.listen(PORT)) and, given PORT=0, logs
// port 0; the tests need loopback (no network beyond 127.0.0.1) and the real port, so the one
// listen() call it makes is bound to 127.0.0.1 here and reports the port it got.
import net from "node:net";

const port = Number(process.argv[2] ?? "0");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const callback = typeof args[args.length - 1] === "function" ? args.pop() : undefined;
  this.once("listening", () => {
    console.log(`everything listening on http://127.0.0.1:${this.address().port}/mcp`);
  });
  return listen.call(this, port, "127.0.0.1", callback);
};
process.on("SIGTERM", () => process.exit(0));
await import("@modelcontextprotocol/server-everything/dist/transports/streamableHttp.js");
