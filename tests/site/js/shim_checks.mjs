// Check site/mqtt_shim.js against a stand-in for mqtt.js: the early connection runs
// over the WebSocket preload.js opened, buffers its events until Python adopts it,
// and every other path ends it.
//
// Usage: node shim_checks.mjs SHIM_JS
// Prints "all shim checks passed", or exits 1 with the failed assertion.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const FAKE_MQTT = `
export const clients = [];
class FakeClient {
  constructor(url, options) {
    this.url = url;
    this.options = options;
    this.listeners = {};
    this.subscriptions = [];
    this.unsubscriptions = [];
    this.ended = false;
  }
  on(name, listener) { (this.listeners[name] ??= []).push(listener); }
  emit(name, ...args) { for (const listener of this.listeners[name] ?? []) listener(...args); }
  subscribe(topics, options, done) { this.subscriptions.push({ topics, options, done }); }
  unsubscribe(topics, done) { this.unsubscriptions.push({ topics, done }); }
  end(force) { this.ended = force; }
}
export default {
  connect(url, options) {
    const client = new FakeClient(url, options);
    clients.push(client);
    return client;
  },
};
`;

const folder = mkdtempSync(join(tmpdir(), "shim-checks-"));
const shimSource = readFileSync(process.argv[2], "utf8");
writeFileSync(join(folder, "mqtt.esm.js"), FAKE_MQTT);
writeFileSync(join(folder, "mqtt_shim.js"), shimSource);
let instances = 0;

// Each case gets fresh module instances: the shim keeps the early connection in
// module state, as the page's one instance does.
async function load() {
  instances += 1;
  const query = "?instance=" + instances;
  const shimUrl = pathToFileURL(join(folder, "mqtt_shim.js")).href + query;
  const shimText = shimSource.replace("./mqtt.esm.js", "./mqtt.esm.js" + query);
  writeFileSync(join(folder, "mqtt_shim.js"), shimText);
  const shim = await import(shimUrl);
  const fake = await import(pathToFileURL(join(folder, "mqtt.esm.js")).href + query);
  return { shim, clients: fake.clients };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

// What preload.js hands over: the bootstrap response's details and the WebSocket it
// opened, which is CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3).
function early(url, readyState = 0) {
  const socket = { readyState, closed: false, close() { this.closed = true; } };
  return { url, clientId: "viewer-1", topics: ["q/snapshot", "q/updates"], socket };
}

// preload.js calls the shim that already runs, as the page does once it loaded.
function preconnect(details) {
  globalThis.qhMqttShim.preconnect(details);
  return details.socket;
}

function recorder() {
  const calls = [];
  const handler = (name) => (...args) => calls.push([name, ...args]);
  return {
    calls,
    handlers: [handler("connect"), handler("subscribed"), handler("message"), handler("close")],
  };
}

async function bufferedEventsReachPythonInOrder() {
  const { shim, clients } = await load();
  const socket = preconnect(early("ws://b/mqtt?signed=1"));
  const [client] = clients;
  assert.equal(client.url, "ws://b/mqtt?signed=1");
  assert.equal(client.options.clientId, "viewer-1");
  assert.equal(client.options.reconnectPeriod, 0);
  assert.equal(client.options.createWebsocket(), socket, "mqtt.js must use that socket");

  client.emit("connect");
  assert.deepEqual(client.subscriptions[0].topics, ["q/snapshot", "q/updates"]);
  client.subscriptions[0].done(null);
  client.emit("message", "q/snapshot", Buffer.from('{"type":"snapshot"}'));
  const python = recorder();
  const adopted = shim.adopt("ws://b/mqtt?signed=1", ...python.handlers);
  client.emit("message", "q/updates", Buffer.from("d1"));

  assert.equal(adopted, client);
  assert.deepEqual(python.calls, [], "no handler may run before adopt returns");
  await flush();
  client.emit("message", "q/updates", Buffer.from("d2"));
  client.emit("close");
  assert.deepEqual(python.calls, [
    ["connect"],
    ["subscribed", ""],
    ["message", "q/snapshot", '{"type":"snapshot"}'],
    ["message", "q/updates", "d1"],
    ["message", "q/updates", "d2"],
    ["close", ""],
  ]);
  assert.deepEqual(globalThis.qhMessagesReceived, { "q/snapshot": 1, "q/updates": 2 });
  assert.equal(client.ended, false);
}

async function adoptWithOtherUrlEndsEarlyConnection() {
  const { shim, clients } = await load();
  preconnect(early("ws://b/mqtt?signed=1"));

  const adopted = shim.adopt("ws://b/mqtt?signed=2", ...recorder().handlers);

  assert.equal(adopted, null);
  assert.equal(clients[0].ended, true);
}

async function noEarlyConnectionAfterPythonConnects() {
  const { shim, clients } = await load();

  assert.equal(shim.adopt("ws://b/mqtt?signed=1", ...recorder().handlers), null);
  const socket = preconnect(early("ws://b/mqtt?signed=1"));

  assert.equal(clients.length, 0);
  assert.equal(socket.closed, true, "a socket nobody takes must be closed");
}

async function discardEndsEarlyConnection() {
  const { shim, clients } = await load();
  preconnect(early("ws://b/mqtt?signed=1"));
  const second = preconnect(early("ws://b/mqtt?signed=2"));

  shim.discard();

  assert.equal(clients.length, 1, "a second preconnect opens nothing");
  assert.equal(second.closed, true);
  assert.equal(clients[0].ended, true);
  assert.equal(shim.adopt("ws://b/mqtt?signed=1", ...recorder().handlers), null);
}

async function failedEarlyConnectReachesPython() {
  const { shim, clients } = await load();
  preconnect(early("ws://b/mqtt?signed=1"));
  clients[0].emit("error", new Error("connection refused"));
  clients[0].emit("close");
  const python = recorder();

  shim.adopt("ws://b/mqtt?signed=1", ...python.handlers);
  await flush();

  assert.deepEqual(python.calls, [["close", "connection refused"]]);
}

async function socketWaitingBeforeLoadIsTaken() {
  const details = early("ws://b/mqtt?signed=1", 1);
  globalThis.qhEarlySocket = details;
  const { shim, clients } = await load();

  assert.equal(globalThis.qhEarlySocket, undefined);
  assert.equal(clients.length, 1);
  assert.equal(clients[0].options.createWebsocket(), details.socket);
  assert.equal(shim.adopt("ws://b/mqtt?signed=1", ...recorder().handlers), clients[0]);
}

async function socketClosedBeforeMqttReachesPython() {
  const { shim, clients } = await load();
  preconnect(early("ws://b/mqtt?signed=1", 3));
  assert.equal(clients[0].ended, true, "mqtt.js must not wait for a closed socket");
  clients[0].emit("close");
  const python = recorder();

  shim.adopt("ws://b/mqtt?signed=1", ...python.handlers);
  await flush();

  assert.deepEqual(python.calls, [["close", "the WebSocket closed before MQTT started"]]);
}

async function pythonConnectsWithoutSocket() {
  const { shim, clients } = await load();
  const ignore = () => {};

  shim.connect("ws://b/mqtt", "viewer-2", ignore, ignore, ignore);

  assert.equal(clients[0].options.createWebsocket, undefined);
  assert.equal(clients[0].ended, false);
}

async function unsubscribeReportsErrors() {
  const { shim, clients } = await load();
  const ignore = () => {};
  const client = shim.connect("ws://b/mqtt", "viewer-2", ignore, ignore, ignore);
  const results = [];

  shim.unsubscribe(client, ["s"], (error) => results.push(error));
  clients[0].unsubscriptions[0].done(null);
  clients[0].unsubscriptions[0].done(new Error("not connected"));

  assert.deepEqual(clients[0].unsubscriptions[0].topics, ["s"]);
  assert.deepEqual(results, ["", "not connected"]);
}

try {
  await bufferedEventsReachPythonInOrder();
  await adoptWithOtherUrlEndsEarlyConnection();
  await noEarlyConnectionAfterPythonConnects();
  await discardEndsEarlyConnection();
  await failedEarlyConnectReachesPython();
  await socketWaitingBeforeLoadIsTaken();
  await socketClosedBeforeMqttReachesPython();
  await pythonConnectsWithoutSocket();
  await unsubscribeReportsErrors();
  console.log("all shim checks passed");
} finally {
  rmSync(folder, { recursive: true, force: true });
}
// The shim's 60 s timer for untaken early connections would keep Node running.
process.exit(0);
