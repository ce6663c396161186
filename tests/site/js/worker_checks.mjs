// Check site/mqtt_worker.js against a stand-in for mqtt.js and a stand-in for the
// worker's global scope: connect hands mqtt.js a socket that relays the page's
// WebSocket, mqtt.js events become messages for site/mqtt_shim.js, and requests
// wait for mqtt.js to load.
//
// Usage: node worker_checks.mjs WORKER_JS
// Prints "all worker checks passed", or exits 1 with the failed assertion.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// mqtt.js as the worker uses it. Like mqtt.js, connect() takes its socket from
// createWebsocket at once and listens to it, and the client records those events.
const FAKE_MQTT = `
export const clients = [];
class FakeClient {
  constructor(url, options) {
    this.url = url;
    this.options = options;
    this.listeners = {};
    this.subscriptions = [];
    this.unsubscriptions = [];
    this.ended = null;
    this.socketEvents = [];
    this.socket = options.createWebsocket(url, ["mqtt"], options);
    this.initialReadyState = this.socket.readyState;
    for (const type of ["open", "message", "error", "close"]) {
      this.socket.addEventListener(type, (event) => {
        this.socketEvents.push({ event, readyState: this.socket.readyState });
      });
    }
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
// mqtt.js failing to load: its module throws while it evaluates.
const LOAD_ERROR = "mqtt.js failed to evaluate";
const FAILING_MQTT = `throw new Error(${JSON.stringify(LOAD_ERROR)});\n`;
const MQTT_IMPORT = '"./mqtt.esm.js"';
const SOCKET_CLOSED_EARLY = "the WebSocket closed before MQTT started";

const workerSource = readFileSync(process.argv[2], "utf8");
assert.equal(workerSource.split(MQTT_IMPORT).length, 2, `the worker must import ${MQTT_IMPORT} once`);
const folder = mkdtempSync(join(tmpdir(), "worker-checks-"));
writeFileSync(join(folder, "package.json"), '{"type": "module"}\n');
writeFileSync(join(folder, "mqtt.esm.js"), FAKE_MQTT);
writeFileSync(join(folder, "failing_mqtt.esm.js"), FAILING_MQTT);
let instances = 0;

// Each case gets a fresh worker and a fresh fake mqtt.js, because the worker keeps
// its clients in module state. `mqttFile` is the module the worker imports as
// mqtt.js. Returns the fake clients, request() to send the worker a message as the
// shim does, messages() with what the worker posted, and the fake scope, whose
// `posted` also keeps each transfer list.
async function load(mqttFile = "mqtt.esm.js") {
  instances += 1;
  const mqttUrl = `./${mqttFile}?instance=${instances}`;
  const workerFile = join(folder, `mqtt_worker_${instances}.js`);
  writeFileSync(workerFile, workerSource.replace(MQTT_IMPORT, JSON.stringify(mqttUrl)));
  const scope = {
    posted: [],
    postMessage(message, transfer = []) {
      // Like postMessage, structuredClone throws DataCloneError on what it cannot clone.
      structuredClone(message);
      this.posted.push({ message, transfer });
    },
  };
  globalThis.self = scope;
  await import(pathToFileURL(workerFile).href);
  assert.equal(typeof scope.onmessage, "function", "the worker must set self.onmessage");
  // The module the worker imports: a case awaits it in settle(), after its
  // requests, so that the worker's own import has a handler when it fails.
  const mqttImport = import(new URL(mqttUrl, pathToFileURL(workerFile)).href);
  mqttImport.catch(() => {});
  const { clients = [] } = mqttFile === "mqtt.esm.js" ? await mqttImport : {};
  return {
    clients,
    mqttImport,
    // Delivers a message from the shim, as the browser calls self.onmessage.
    request(data) {
      scope.onmessage({ data });
    },
    messages() {
      return scope.posted.map(({ message }) => message);
    },
    scope,
  };
}

// Lets the worker's queue of requests run: it waits for mqtt.js, then each request.
async function settle(worker) {
  await worker.mqttImport.catch(() => {});
  for (let turn = 0; turn < 5; turn += 1) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function connectRequest(id, fields = {}) {
  return {
    op: "connect",
    id,
    url: "wss://broker.test/mqtt?signed=1",
    clientId: "viewer-1",
    topics: null,
    readyState: 0,
    ...fields,
  };
}

async function connectCreatesClient() {
  const worker = await load();

  worker.request(connectRequest(1));
  await settle(worker);

  assert.equal(worker.clients.length, 1);
  const [client] = worker.clients;
  assert.equal(client.url, "wss://broker.test/mqtt?signed=1");
  assert.equal(client.options.clientId, "viewer-1");
  assert.equal(client.options.reconnectPeriod, 0, "Python decides when to reconnect");
  assert.equal(client.options.keepalive, 30, "AWS IoT's minimum keepalive, in seconds");
  assert.equal(client.options.protocolVersion, 4);
  assert.equal(typeof client.options.createWebsocket, "function");
  assert.deepEqual(worker.messages(), []);
}

async function socketStartsOpenForMqtt() {
  // The shim keeps packets until the page's socket opens, so a CONNECTING socket
  // counts as OPEN and mqtt.js writes CONNECT at once.
  for (const readyState of [0, 1]) {
    const worker = await load();

    worker.request(connectRequest(1, { readyState }));
    await settle(worker);

    const [client] = worker.clients;
    assert.equal(client.initialReadyState, 1, `page readyState ${readyState}`);
    assert.equal(client.socket.OPEN, 1);
    assert.equal(client.socket.binaryType, "arraybuffer");
    assert.equal(client.options.createWebsocket(), client.socket, "one socket per connection");
  }
}

async function socketEventsArriveInOrder() {
  const worker = await load();
  const bytes = new Uint8Array([0x20, 0x02, 0x00, 0x00]).buffer;

  // Sent before mqtt.js loaded and before connect ran: they must wait for both.
  worker.request(connectRequest(1));
  worker.request({ op: "socket", id: 1, type: "open" });
  worker.request({ op: "socket", id: 1, type: "message", data: bytes });
  worker.request({ op: "socket", id: 1, type: "error" });
  worker.request({ op: "socket", id: 1, type: "close" });
  worker.request({ op: "socket", id: 2, type: "open" });
  await settle(worker);

  const [client] = worker.clients;
  const seen = client.socketEvents.map(({ event, readyState }) => [event.type, readyState]);
  assert.deepEqual(seen, [
    ["open", 1],
    ["message", 1],
    ["error", 1],
    ["close", 3],
  ]);
  const message = client.socketEvents[1].event;
  assert.ok(message instanceof MessageEvent);
  assert.equal(message.data, bytes);
  assert.equal(client.socket.readyState, 3);
}

async function sendPostsTransferredCopy() {
  const worker = await load();
  worker.request(connectRequest(1, { readyState: 1 }));
  await settle(worker);
  const [client] = worker.clients;
  // mqtt.js writes Buffers, which may view part of a larger pool.
  const pool = new Uint8Array([9, 1, 2, 3, 9]);

  client.socket.send(pool.subarray(1, 4));

  assert.equal(worker.scope.posted.length, 1);
  const [{ message, transfer }] = worker.scope.posted;
  assert.equal(message.id, 1);
  assert.equal(message.event, "send");
  assert.ok(message.data instanceof ArrayBuffer);
  assert.deepEqual([...new Uint8Array(message.data)], [1, 2, 3]);
  assert.deepEqual(transfer, [message.data]);
  assert.equal(transfer[0], message.data);
  assert.deepEqual([...pool], [9, 1, 2, 3, 9], "the chunk mqtt.js passed stays intact");
}

async function closePostsCloseSocketOnce() {
  const worker = await load();
  worker.request(connectRequest(1, { readyState: 1 }));
  worker.request(connectRequest(2, { readyState: 1 }));
  worker.request({ op: "socket", id: 2, type: "close" });
  await settle(worker);
  const [first, second] = worker.clients;

  first.socket.close();
  first.socket.close();
  second.socket.close();

  assert.deepEqual(worker.messages(), [{ id: 1, event: "close-socket" }]);
  assert.equal(first.socket.readyState, 2);
}

async function connectThenSubscribed() {
  const worker = await load();
  worker.request(connectRequest(1, { topics: ["q/snapshot", "q/updates"] }));
  await settle(worker);
  const [client] = worker.clients;

  client.emit("connect");

  assert.deepEqual(worker.messages(), [{ id: 1, event: "connect" }]);
  assert.equal(client.subscriptions.length, 1);
  assert.deepEqual(client.subscriptions[0].topics, ["q/snapshot", "q/updates"]);
  assert.deepEqual(client.subscriptions[0].options, { qos: 1 });
  client.subscriptions[0].done(null, [{ topic: "q/snapshot", qos: 1 }]);
  assert.deepEqual(worker.messages()[1], { id: 1, event: "subscribed", error: "" });
}

async function subscribedReportsError() {
  const worker = await load();
  worker.request(connectRequest(1, { topics: ["q/snapshot", "q/updates"] }));
  await settle(worker);
  const [client] = worker.clients;

  client.emit("connect");
  client.subscriptions[0].done(new Error("Connection closed"));

  assert.deepEqual(worker.messages()[1], { id: 1, event: "subscribed", error: "Connection closed" });
}

async function connectWithoutTopicsSubscribesNothing() {
  const worker = await load();
  worker.request(connectRequest(1));
  await settle(worker);
  const [client] = worker.clients;

  client.emit("connect");

  assert.deepEqual(worker.messages(), [{ id: 1, event: "connect" }]);
  assert.deepEqual(client.subscriptions, []);
}

async function messagesBecomeText() {
  const worker = await load();
  worker.request(connectRequest(1));
  await settle(worker);
  const [client] = worker.clients;

  client.emit("message", "q/updates", Buffer.from('{"version":3}'), { retain: false });
  client.emit("message", "q/snapshot", Buffer.from("caf\u00e9"), { retain: true });

  assert.deepEqual(worker.messages(), [
    { id: 1, event: "message", topic: "q/updates", text: '{"version":3}' },
    { id: 1, event: "message", topic: "q/snapshot", text: "caf\u00e9" },
  ]);
}

async function requestsPostDone() {
  const worker = await load();
  worker.request(connectRequest(1));
  worker.request({ op: "subscribe", id: 1, request: 7, topics: ["q/snapshot"] });
  worker.request({ op: "unsubscribe", id: 1, request: 8, topics: ["q/snapshot"] });
  await settle(worker);
  const [client] = worker.clients;

  assert.deepEqual(client.subscriptions[0].topics, ["q/snapshot"]);
  assert.deepEqual(client.subscriptions[0].options, { qos: 1 });
  assert.deepEqual(client.unsubscriptions[0].topics, ["q/snapshot"]);
  client.unsubscriptions[0].done(new Error("client disconnecting"));
  client.subscriptions[0].done(null, [{ topic: "q/snapshot", qos: 1 }]);

  assert.deepEqual(worker.messages(), [
    { id: 1, event: "done", request: 8, error: "client disconnecting" },
    { id: 1, event: "done", request: 7, error: "" },
  ]);
}

async function requestForUnknownIdFails() {
  const worker = await load();

  worker.request({ op: "subscribe", id: 4, request: 1, topics: ["q/snapshot"] });
  worker.request({ op: "unsubscribe", id: 4, request: 2, topics: ["q/snapshot"] });
  worker.request({ op: "end", id: 4 });
  await settle(worker);

  assert.deepEqual(worker.messages(), [
    { id: 4, event: "done", request: 1, error: "the connection is closed" },
    { id: 4, event: "done", request: 2, error: "the connection is closed" },
  ]);
}

async function endForcesClientEnd() {
  const worker = await load();
  worker.request(connectRequest(1));
  worker.request({ op: "end", id: 1 });
  await settle(worker);

  assert.equal(worker.clients[0].ended, true, "end must not wait for in-flight packets");
}

async function clientCloseReportsLastError() {
  const worker = await load();
  worker.request(connectRequest(1, { readyState: 1 }));
  worker.request(connectRequest(2, { readyState: 1 }));
  await settle(worker);
  const [first, second] = worker.clients;

  first.emit("error", new Error("connack timeout"));
  first.emit("error", new Error("Connection refused: Not authorized"));
  first.emit("close");
  second.emit("close");

  assert.deepEqual(worker.messages(), [
    { id: 1, event: "close", error: "Connection refused: Not authorized" },
    { id: 2, event: "close", error: "" },
  ]);
}

async function closedClientIsForgotten() {
  const worker = await load();
  worker.request(connectRequest(1, { readyState: 1 }));
  await settle(worker);
  const [client] = worker.clients;
  client.emit("close");

  worker.request({ op: "socket", id: 1, type: "close" });
  worker.request({ op: "subscribe", id: 1, request: 3, topics: ["q/snapshot"] });
  await settle(worker);

  assert.deepEqual(client.socketEvents, [], "socket events for a closed client are dropped");
  assert.deepEqual(client.subscriptions, []);
  assert.deepEqual(worker.messages()[1], {
    id: 1,
    event: "done",
    request: 3,
    error: "the connection is closed",
  });
}

async function socketClosedBeforeStartEndsClient() {
  for (const readyState of [2, 3]) {
    const worker = await load();

    worker.request(connectRequest(1, { readyState }));
    await settle(worker);

    const [client] = worker.clients;
    assert.equal(client.ended, true, `readyState ${readyState}: mqtt.js must not wait for it`);
    client.emit("close");
    assert.deepEqual(worker.messages(), [{ id: 1, event: "close", error: SOCKET_CLOSED_EARLY }]);
  }
}

async function failedLoadEndsRequests() {
  const worker = await load("failing_mqtt.esm.js");

  worker.request(connectRequest(1));
  worker.request({ op: "socket", id: 1, type: "open" });
  worker.request({ op: "subscribe", id: 1, request: 5, topics: ["q/snapshot"] });
  worker.request({ op: "end", id: 1 });
  await settle(worker);

  assert.deepEqual(worker.messages(), [
    { id: 1, event: "close-socket" },
    { id: 1, event: "close", error: LOAD_ERROR },
    { id: 1, event: "done", request: 5, error: LOAD_ERROR },
  ]);
}

try {
  await connectCreatesClient();
  await socketStartsOpenForMqtt();
  await socketEventsArriveInOrder();
  await sendPostsTransferredCopy();
  await closePostsCloseSocketOnce();
  await connectThenSubscribed();
  await subscribedReportsError();
  await connectWithoutTopicsSubscribesNothing();
  await messagesBecomeText();
  await requestsPostDone();
  await requestForUnknownIdFails();
  await endForcesClientEnd();
  await clientCloseReportsLastError();
  await closedClientIsForgotten();
  await socketClosedBeforeStartEndsClient();
  await failedLoadEndsRequests();
  console.log("all worker checks passed");
} finally {
  rmSync(folder, { recursive: true, force: true });
}
