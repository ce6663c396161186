// Check site/mqtt_shim.js with stand-ins for the Worker that runs mqtt.js and for
// the WebSocket: the early connection runs over the socket preload.js opened,
// buffers its events until Python adopts it, and every other path ends it. The
// shim relays socket events to the worker and the worker's packets to the socket.
//
// Usage: node shim_checks.mjs SHIM_JS
// Prints "all shim checks passed", or exits 1 with the failed assertion.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// A copy in a folder of its own, which declares ES modules so that Node loads the
// shim as one without guessing.
const folder = mkdtempSync(join(tmpdir(), "shim-checks-"));
const shimPath = join(folder, "mqtt_shim.js");
copyFileSync(process.argv[2], shimPath);
writeFileSync(join(folder, "package.json"), '{"type": "module"}\n');
const WORKER_FAILED = "the MQTT worker failed to run";

// The Worker the shim creates or takes from preload.js. A check delivers the
// worker's events with emit() and fail(), as the browser calls onmessage/onerror.
class FakeWorker {
  static created = [];

  constructor(url, options) {
    this.url = url;
    this.options = options;
    this.posted = [];
    this.terminated = false;
    FakeWorker.created.push(this);
  }

  postMessage(message, transfer = []) {
    // Like postMessage, structuredClone throws DataCloneError on what it cannot clone.
    structuredClone(message);
    this.posted.push({ message, transfer });
  }

  terminate() {
    this.terminated = true;
  }

  messages() {
    return this.posted.map(({ message }) => message);
  }

  emit(data) {
    this.onmessage({ data });
  }

  // Fires an error event like the one a browser fires when the worker's script
  // fails to load or throws.
  fail(message) {
    const event = {
      message,
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    this.onerror(event);
    return event;
  }
}

// The WebSocket: fire() delivers an event to the listeners the shim added.
class FakeSocket {
  static created = [];

  constructor(url, protocols, readyState = 0) {
    this.url = url;
    this.protocols = protocols;
    this.readyState = readyState;
    this.binaryType = "blob";
    this.sent = [];
    this.closeCalls = 0;
    this.listeners = {};
    FakeSocket.created.push(this);
  }

  get closed() {
    return this.closeCalls > 0;
  }

  addEventListener(type, listener) {
    (this.listeners[type] ??= []).push(listener);
  }

  send(data) {
    // A browser's WebSocket throws InvalidStateError while CONNECTING.
    if (this.readyState === 0) throw new Error("InvalidStateError: the socket is CONNECTING");
    this.sent.push(data);
  }

  close() {
    this.closeCalls += 1;
    if (this.readyState < 2) this.readyState = 2;
  }

  fire(type, fields = {}) {
    if (type === "open") this.readyState = 1;
    if (type === "close") this.readyState = 3;
    for (const listener of this.listeners[type] ?? []) listener({ type, ...fields });
  }
}

globalThis.Worker = FakeWorker;
globalThis.WebSocket = FakeSocket;
let instances = 0;

// Each case gets a fresh module instance: the shim keeps its worker and the early
// connection in module state, as the page's one instance does. The globals the
// page shares with preload.js start empty unless the case sets them first.
async function load() {
  instances += 1;
  FakeWorker.created = [];
  FakeSocket.created = [];
  delete globalThis.qhMqttShim;
  delete globalThis.qhMessagesReceived;
  return import(pathToFileURL(shimPath).href + "?instance=" + instances);
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

// What preload.js hands over: the bootstrap response's details and the WebSocket it
// opened, which is CONNECTING (0), OPEN (1), CLOSING (2) or CLOSED (3).
function early(url, readyState = 0) {
  const socket = new FakeSocket(url, ["mqtt"], readyState);
  socket.binaryType = "arraybuffer";
  return { url, clientId: "viewer-1", topics: ["q/snapshot", "q/updates"], socket };
}

// preload.js calls the shim that already runs, as the page does once it loaded.
function preconnect(details) {
  globalThis.qhMqttShim.preconnect(details);
  return details.socket;
}

// The only worker a case uses: the shim creates one at its first connection.
function theWorker() {
  assert.equal(FakeWorker.created.length, 1, "the shim must use exactly one worker");
  return FakeWorker.created[0];
}

// Python's handlers, recording each call in order.
function recorder() {
  const calls = [];
  const handler = (name) => (...args) => calls.push([name, ...args]);
  return {
    calls,
    adoptHandlers: [handler("connect"), handler("subscribed"), handler("message"), handler("close")],
    connectHandlers: [handler("connect"), handler("message"), handler("close")],
  };
}

async function bufferedEventsReachPythonInOrder() {
  const shim = await load();
  const socket = preconnect(early("ws://b/mqtt?signed=1"));
  const worker = theWorker();
  const [{ message: connect }] = worker.posted;
  assert.deepEqual(connect, {
    op: "connect",
    id: connect.id,
    url: "ws://b/mqtt?signed=1",
    clientId: "viewer-1",
    topics: ["q/snapshot", "q/updates"],
    readyState: 0,
  });
  const { id } = connect;

  const packet = new ArrayBuffer(2);
  worker.emit({ id, event: "send", data: packet });
  socket.fire("open");
  assert.deepEqual(socket.sent, [packet], "packets must reach the socket before adopt");
  worker.emit({ id, event: "connect" });
  worker.emit({ id, event: "subscribed", error: "" });
  worker.emit({ id, event: "message", topic: "q/snapshot", text: '{"type":"snapshot"}' });
  const python = recorder();
  const adopted = shim.adopt("ws://b/mqtt?signed=1", ...python.adoptHandlers);
  worker.emit({ id, event: "message", topic: "q/updates", text: "d1" });

  assert.equal(adopted.id, id);
  assert.equal(adopted.socket, socket);
  assert.deepEqual(python.calls, [], "no handler may run before adopt returns");
  await flush();
  worker.emit({ id, event: "message", topic: "q/updates", text: "d2" });
  worker.emit({ id, event: "close", error: "" });
  assert.deepEqual(python.calls, [
    ["connect"],
    ["subscribed", ""],
    ["message", "q/snapshot", '{"type":"snapshot"}'],
    ["message", "q/updates", "d1"],
    ["message", "q/updates", "d2"],
    ["close", ""],
  ]);
  assert.deepEqual(globalThis.qhMessagesReceived, { "q/snapshot": 1, "q/updates": 2 });
  const ops = worker.messages().map(({ op }) => op);
  assert.deepEqual(ops, ["connect", "socket"], "adopt must not end it");
  assert.equal(socket.closed, false);
}

async function adoptWithOtherUrlEndsEarlyConnection() {
  const shim = await load();
  const socket = preconnect(early("ws://b/mqtt?signed=1"));
  const worker = theWorker();
  const { id } = worker.posted[0].message;
  const python = recorder();

  const adopted = shim.adopt("ws://b/mqtt?signed=2", ...python.adoptHandlers);
  worker.emit({ id, event: "connect" });
  await flush();

  assert.equal(adopted, null);
  assert.deepEqual(worker.posted[1].message, { op: "end", id });
  assert.equal(socket.closed, true);
  assert.deepEqual(python.calls, []);
}

async function noEarlyConnectionAfterAdopt() {
  const shim = await load();

  assert.equal(shim.adopt("ws://b/mqtt?signed=1", ...recorder().adoptHandlers), null);
  const socket = preconnect(early("ws://b/mqtt?signed=1"));

  assert.equal(socket.closed, true, "a socket nobody takes must be closed");
  assert.equal(FakeWorker.created.length, 0, "a late preconnect must start nothing");
}

async function noEarlyConnectionAfterPythonConnects() {
  const shim = await load();
  shim.connect("ws://b/mqtt?signed=1", "viewer-2", ...recorder().connectHandlers);

  const socket = preconnect(early("ws://b/mqtt?signed=1"));

  assert.equal(socket.closed, true, "a socket nobody takes must be closed");
  assert.deepEqual(theWorker().messages().map(({ op }) => op), ["connect"]);
}

async function discardEndsEarlyConnection() {
  const shim = await load();
  const first = preconnect(early("ws://b/mqtt?signed=1"));
  const second = preconnect(early("ws://b/mqtt?signed=2"));
  const worker = theWorker();
  const { id } = worker.posted[0].message;

  assert.equal(second.closed, true, "a second preconnect must close its socket");
  assert.equal(worker.posted.length, 1, "a second preconnect must post nothing");
  shim.discard();

  assert.deepEqual(worker.posted[1].message, { op: "end", id });
  assert.equal(first.closed, true);
  assert.equal(worker.terminated, true, "an idle worker must be stopped");
  assert.equal(shim.adopt("ws://b/mqtt?signed=1", ...recorder().adoptHandlers), null);
}

async function discardKeepsWorkerInUse() {
  const shim = await load();
  shim.connect("ws://b/mqtt?signed=1", "viewer-2", ...recorder().connectHandlers);
  const worker = theWorker();

  shim.discard();

  assert.equal(worker.terminated, false, "a worker with a connection must keep running");
}

async function discardStopsUntakenPreloadedWorker() {
  const preloaded = new FakeWorker("./mqtt_worker.js?preloaded", { type: "module" });
  globalThis.qhMqttWorker = preloaded;
  const shim = await load();

  shim.discard();

  assert.equal(preloaded.terminated, true);
  assert.equal("qhMqttWorker" in globalThis, false);
}

// Runs preconnect(details) and returns its socket with the timers it set, which run
// only when a check calls them.
function preconnectCapturingTimers(details) {
  const timers = [];
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = (callback, delay) => timers.push({ callback, delay });
  try {
    return { socket: preconnect(details), timers };
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
}

async function untakenEarlyConnectionExpires() {
  const shim = await load();
  const { socket, timers } = preconnectCapturingTimers(early("ws://b/mqtt?signed=1"));
  const worker = theWorker();
  const { id } = worker.posted[0].message;

  assert.equal(timers.length, 1);
  assert.equal(timers[0].delay, 60000);
  timers[0].callback();

  assert.deepEqual(worker.posted[1].message, { op: "end", id });
  assert.equal(socket.closed, true);
  assert.equal(shim.adopt("ws://b/mqtt?signed=1", ...recorder().adoptHandlers), null);
}

async function adoptedEarlyConnectionOutlivesTimer() {
  const shim = await load();
  const { socket, timers } = preconnectCapturingTimers(early("ws://b/mqtt?signed=1"));

  assert.notEqual(shim.adopt("ws://b/mqtt?signed=1", ...recorder().adoptHandlers), null);
  timers[0].callback();

  assert.deepEqual(theWorker().messages().map(({ op }) => op), ["connect"]);
  assert.equal(socket.closed, false);
}

async function failedEarlyConnectReachesPython() {
  const shim = await load();
  const socket = preconnect(early("ws://b/mqtt?signed=1"));
  const worker = theWorker();
  const { id } = worker.posted[0].message;
  worker.emit({ id, event: "close-socket" });
  worker.emit({ id, event: "close", error: "connection refused" });
  const python = recorder();

  shim.adopt("ws://b/mqtt?signed=1", ...python.adoptHandlers);
  await flush();

  assert.equal(socket.closed, true);
  assert.deepEqual(python.calls, [["close", "connection refused"]]);
}

async function socketWaitingBeforeLoadIsTaken() {
  const details = early("ws://b/mqtt?signed=1", 1);
  globalThis.qhEarlySocket = details;
  const shim = await load();

  assert.equal(globalThis.qhEarlySocket, undefined);
  const [{ message: connect }] = theWorker().posted;
  assert.equal(connect.op, "connect");
  assert.equal(connect.url, "ws://b/mqtt?signed=1");
  assert.equal(connect.readyState, 1);
  const adopted = shim.adopt("ws://b/mqtt?signed=1", ...recorder().adoptHandlers);
  assert.equal(adopted.socket, details.socket);
}

async function readyStateAtConnectReachesWorker() {
  for (const readyState of [0, 1, 2, 3]) {
    const shim = await load();
    preconnect(early("ws://b/mqtt?signed=1", readyState));
    const worker = theWorker();
    const [{ message: connect }] = worker.posted;

    assert.equal(connect.readyState, readyState, `readyState ${readyState} must reach the worker`);
    if (readyState < 2) continue;
    // The worker ends a connection whose socket closed before mqtt.js took it.
    const error = "the WebSocket closed before MQTT started";
    worker.emit({ id: connect.id, event: "close", error });
    const python = recorder();
    shim.adopt("ws://b/mqtt?signed=1", ...python.adoptHandlers);
    await flush();
    assert.deepEqual(python.calls, [["close", error]]);
  }
}

async function preloadedWorkerIsUsed() {
  const preloaded = new FakeWorker("./mqtt_worker.js?preloaded", { type: "module" });
  globalThis.qhMqttWorker = preloaded;
  const shim = await load();

  preconnect(early("ws://b/mqtt?signed=1"));
  shim.connect("ws://b/mqtt?signed=2", "viewer-2", ...recorder().connectHandlers);

  assert.equal(FakeWorker.created.length, 0, "the shim must not start a second worker");
  assert.deepEqual(preloaded.messages().map(({ op }) => op), ["connect", "connect"]);
  assert.equal(typeof preloaded.onmessage, "function");
  assert.equal(typeof preloaded.onerror, "function");
  assert.equal("qhMqttWorker" in globalThis, false);
}

async function failedPreloadedWorkerIsReplaced() {
  const preloaded = new FakeWorker("./mqtt_worker.js?preloaded", { type: "module" });
  preloaded.failed = true; // what preload.js marks when the worker fails to load
  globalThis.qhMqttWorker = preloaded;
  const shim = await load();

  shim.connect("ws://b/mqtt?signed=1", "viewer-2", ...recorder().connectHandlers);

  assert.equal(preloaded.terminated, true);
  assert.equal(preloaded.posted.length, 0);
  assert.equal(FakeWorker.created.length, 1, "the shim must start a new worker");
  assert.deepEqual(theWorker().messages().map(({ op }) => op), ["connect"]);
  assert.equal("qhMqttWorker" in globalThis, false);
}

async function workerStartsNextToShim() {
  const shim = await load();

  shim.connect("ws://b/mqtt?signed=1", "viewer-2", ...recorder().connectHandlers);
  shim.connect("ws://b/mqtt?signed=2", "viewer-2", ...recorder().connectHandlers);

  const worker = theWorker();
  const expected = pathToFileURL(join(folder, "mqtt_worker.js")).href;
  assert.equal(String(worker.url), expected);
  assert.deepEqual(worker.options, { type: "module" });
  assert.equal(worker.posted.length, 2);
}

async function pythonConnectOpensWebSocket() {
  const shim = await load();
  const python = recorder();

  const client = shim.connect("ws://b/mqtt?signed=1", "viewer-2", ...python.connectHandlers);

  assert.equal(FakeSocket.created.length, 1);
  const [socket] = FakeSocket.created;
  assert.equal(client.socket, socket);
  assert.equal(socket.url, "ws://b/mqtt?signed=1");
  assert.deepEqual(socket.protocols, ["mqtt"]);
  assert.equal(socket.binaryType, "arraybuffer");
  const worker = theWorker();
  assert.deepEqual(worker.posted, [
    {
      message: {
        op: "connect",
        id: client.id,
        url: "ws://b/mqtt?signed=1",
        clientId: "viewer-2",
        topics: null,
        readyState: 0,
      },
      transfer: [],
    },
  ]);

  worker.emit({ id: client.id, event: "connect" });
  worker.emit({ id: client.id, event: "message", topic: "q/updates", text: "d1" });
  worker.emit({ id: client.id, event: "message", topic: "q/updates", text: "d2" });
  worker.emit({ id: client.id, event: "close", error: "keepalive timeout" });

  assert.deepEqual(python.calls, [
    ["connect"],
    ["message", "q/updates", "d1"],
    ["message", "q/updates", "d2"],
    ["close", "keepalive timeout"],
  ]);
  assert.deepEqual(globalThis.qhMessagesReceived, { "q/updates": 2 });
}

async function requestsReportDoneErrors() {
  const shim = await load();
  const client = shim.connect("ws://b/mqtt", "viewer-2", ...recorder().connectHandlers);
  const worker = theWorker();
  const results = [];
  // The shim must post topics as a plain array, because this iterable cannot be cloned.
  const topics = {
    *[Symbol.iterator]() {
      yield "q/snapshot";
    },
  };

  shim.subscribe(client, topics, (error) => results.push(["subscribe", error]));
  shim.unsubscribe(client, ["q/snapshot"], (error) => results.push(["unsubscribe", error]));

  const [subscribe, unsubscribe] = worker.messages().slice(1);
  assert.deepEqual(subscribe, {
    op: "subscribe",
    id: client.id,
    request: subscribe.request,
    topics: ["q/snapshot"],
  });
  assert.deepEqual(unsubscribe, {
    op: "unsubscribe",
    id: client.id,
    request: unsubscribe.request,
    topics: ["q/snapshot"],
  });
  assert.notEqual(subscribe.request, unsubscribe.request);

  const done = (request, error) => ({ id: client.id, event: "done", request, error });
  worker.emit(done(unsubscribe.request, "not connected"));
  worker.emit(done(subscribe.request, ""));
  worker.emit(done(subscribe.request, "a second done for one request"));

  assert.deepEqual(results, [
    ["unsubscribe", "not connected"],
    ["subscribe", ""],
  ]);
}

async function socketEventsReachWorker() {
  const shim = await load();
  const client = shim.connect("ws://b/mqtt", "viewer-2", ...recorder().connectHandlers);
  const { socket, id } = client;
  const worker = theWorker();
  const bytes = new ArrayBuffer(3);

  socket.fire("open");
  socket.fire("message", { data: bytes });
  socket.fire("message", { data: "text frame" });
  socket.fire("error");
  socket.fire("close");

  assert.deepEqual(worker.posted.slice(1), [
    { message: { op: "socket", id, type: "open", data: undefined }, transfer: [] },
    { message: { op: "socket", id, type: "message", data: bytes }, transfer: [bytes] },
    { message: { op: "socket", id, type: "message", data: "text frame" }, transfer: [] },
    { message: { op: "socket", id, type: "error", data: undefined }, transfer: [] },
    { message: { op: "socket", id, type: "close", data: undefined }, transfer: [] },
  ]);
  assert.equal(worker.posted[2].message.data, bytes, "the received buffer itself is transferred");
}

async function workerEventsReachSocket() {
  const shim = await load();
  const client = shim.connect("ws://b/mqtt", "viewer-2", ...recorder().connectHandlers);
  const worker = theWorker();
  const packet = new ArrayBuffer(4);
  client.socket.fire("open");

  worker.emit({ id: client.id, event: "send", data: packet });
  assert.deepEqual(client.socket.sent, [packet]);
  assert.equal(client.socket.sent[0], packet);
  assert.equal(client.socket.closed, false);
  worker.emit({ id: client.id, event: "close-socket" });

  assert.equal(client.socket.closeCalls, 1);
}

async function packetsWaitForSocketOpen() {
  const shim = await load();
  const client = shim.connect("ws://b/mqtt", "viewer-2", ...recorder().connectHandlers);
  const worker = theWorker();
  const connectPacket = new ArrayBuffer(3);
  const subscribePacket = new ArrayBuffer(5);

  worker.emit({ id: client.id, event: "send", data: connectPacket });
  worker.emit({ id: client.id, event: "send", data: subscribePacket });
  assert.deepEqual(client.socket.sent, [], "a CONNECTING socket must not be written");
  client.socket.fire("open");

  assert.deepEqual(client.socket.sent, [connectPacket, subscribePacket]);
  const relayed = worker.messages().filter(({ op }) => op === "socket");
  assert.deepEqual(relayed.map(({ type }) => type), ["open"]);
  const later = new ArrayBuffer(1);
  worker.emit({ id: client.id, event: "send", data: later });
  assert.deepEqual(client.socket.sent, [connectPacket, subscribePacket, later]);
}

async function endedConnectionEventsIgnored() {
  const shim = await load();
  const python = recorder();
  const client = shim.connect("ws://b/mqtt", "viewer-2", ...python.connectHandlers);
  const worker = theWorker();
  const { id, socket } = client;

  shim.end(client);

  assert.deepEqual(worker.posted[1].message, { op: "end", id });
  assert.equal(socket.closed, true);
  worker.emit({ id, event: "send", data: new ArrayBuffer(1) });
  worker.emit({ id, event: "message", topic: "q/updates", text: "d1" });
  worker.emit({ id, event: "close-socket" });
  worker.emit({ id, event: "close", error: "" });
  worker.emit({ id: id + 100, event: "message", topic: "q/updates", text: "d2" });
  socket.fire("message", { data: new ArrayBuffer(1) });
  socket.fire("close");
  assert.deepEqual(python.calls, []);
  assert.deepEqual(socket.sent, []);
  assert.equal(socket.closeCalls, 1);
  assert.equal(worker.posted.length, 2, "an ended socket's events must not reach the worker");
  assert.deepEqual(globalThis.qhMessagesReceived, {});
}

async function closedConnectionEventsIgnored() {
  const shim = await load();
  const python = recorder();
  const client = shim.connect("ws://b/mqtt", "viewer-2", ...python.connectHandlers);
  const worker = theWorker();

  worker.emit({ id: client.id, event: "close", error: "" });
  worker.emit({ id: client.id, event: "message", topic: "q/updates", text: "d1" });
  client.socket.fire("close");

  assert.deepEqual(python.calls, [["close", ""]]);
  assert.equal(worker.posted.length, 1, "a closed connection's socket events must not be relayed");
}

async function workerErrorClosesEveryConnection() {
  const shim = await load();
  const earlySocket = preconnect(early("ws://b/mqtt?signed=1"));
  const python = recorder();
  const client = shim.connect("ws://b/mqtt?signed=2", "viewer-2", ...python.connectHandlers);
  const worker = theWorker();

  const event = worker.fail("SyntaxError: Unexpected token");

  const error = WORKER_FAILED + ": SyntaxError: Unexpected token";
  assert.equal(event.defaultPrevented, true, "the shim reports the failure itself");
  assert.equal(client.socket.closed, true);
  assert.equal(earlySocket.closed, true);
  assert.deepEqual(python.calls, [["close", error]]);
  const adopter = recorder();
  shim.adopt("ws://b/mqtt?signed=1", ...adopter.adoptHandlers);
  await flush();
  assert.deepEqual(adopter.calls, [["close", error]]);
}

async function connectAfterWorkerErrorStartsWorker() {
  const shim = await load();
  const earlySocket = preconnect(early("ws://b/mqtt?signed=1"));
  const [failed] = FakeWorker.created;
  failed.fail("NetworkError");
  const python = recorder();

  const client = shim.connect("ws://b/mqtt?signed=2", "viewer-2", ...python.connectHandlers);

  assert.equal(failed.terminated, true);
  assert.equal(FakeWorker.created.length, 2, "a failed worker must take no new connection");
  const replacement = FakeWorker.created[1];
  assert.deepEqual(replacement.messages().map(({ op, id }) => [op, id]), [["connect", client.id]]);
  replacement.emit({ id: client.id, event: "connect" });
  assert.deepEqual(python.calls, [["connect"]]);
  // The early connection's socket closes after the failure: nothing reaches a worker.
  earlySocket.fire("close");
  assert.equal(failed.posted.length, 1);
  assert.equal(replacement.posted.length, 1);
}

async function secondWorkerErrorClosesOnce() {
  const shim = await load();
  preconnect(early("ws://b/mqtt?signed=1"));
  const worker = theWorker();

  worker.fail("first");
  worker.fail("second");
  const python = recorder();
  shim.adopt("ws://b/mqtt?signed=1", ...python.adoptHandlers);
  await flush();

  assert.deepEqual(python.calls, [["close", WORKER_FAILED + ": first"]]);
}

async function workerErrorWithoutMessage() {
  const shim = await load();
  const python = recorder();
  shim.connect("ws://b/mqtt", "viewer-2", ...python.connectHandlers);

  theWorker().fail("");

  assert.deepEqual(python.calls, [["close", WORKER_FAILED + ": no details"]]);
}

try {
  await bufferedEventsReachPythonInOrder();
  await adoptWithOtherUrlEndsEarlyConnection();
  await noEarlyConnectionAfterAdopt();
  await noEarlyConnectionAfterPythonConnects();
  await discardEndsEarlyConnection();
  await discardKeepsWorkerInUse();
  await discardStopsUntakenPreloadedWorker();
  await untakenEarlyConnectionExpires();
  await adoptedEarlyConnectionOutlivesTimer();
  await failedEarlyConnectReachesPython();
  await socketWaitingBeforeLoadIsTaken();
  await readyStateAtConnectReachesWorker();
  await preloadedWorkerIsUsed();
  await failedPreloadedWorkerIsReplaced();
  await workerStartsNextToShim();
  await pythonConnectOpensWebSocket();
  await requestsReportDoneErrors();
  await socketEventsReachWorker();
  await workerEventsReachSocket();
  await packetsWaitForSocketOpen();
  await endedConnectionEventsIgnored();
  await closedConnectionEventsIgnored();
  await workerErrorClosesEveryConnection();
  await connectAfterWorkerErrorStartsWorker();
  await secondWorkerErrorClosesOnce();
  await workerErrorWithoutMessage();
  console.log("all shim checks passed");
} finally {
  rmSync(folder, { recursive: true, force: true });
}
// The shim's 60 s timer for untaken early connections would keep Node running.
process.exit(0);
