// Thin bridge between mqtt.js and the Python page. mqtt.js runs in a worker
// (site/mqtt_worker.js). This module owns each connection's WebSocket and relays
// between the socket and the worker. It calls Python's handlers with plain strings
// and contains no reconnect, version or state logic: that is in transport.py and
// app.py.
//
// preload.js starts the worker and opens a WebSocket to the presigned URL as soon
// as the bootstrap response arrives. preconnect() runs MQTT over that socket while
// MicroPython still boots: it connects, subscribes and buffers what arrives. Python
// takes the connection over with adopt(), for the same URL, so that URL is still
// used once, right after it was signed.
const WORKER_URL = new URL("./mqtt_worker.js", import.meta.url);

// An early connection Python has not taken within this time is ended. Python takes
// a preloaded bootstrap response only while it is under 30 s old (site/preload.py).
const EARLY_MAX_AGE_MS = 60000;
// The WebSocket subprotocol that mqtt.js requests for MQTT 3.1.1.
const MQTT_SUBPROTOCOL = "mqtt";
const WORKER_FAILED = "the MQTT worker failed to run";
// WebSocket.CONNECTING.
const SOCKET_CONNECTING = 0;

// MQTT messages received per topic, for tests and for checking what a page costs
// on AWS IoT, which meters every message delivered to a subscriber.
const received = {};
globalThis.qhMessagesReceived = received;

// Connections by id. Each is {id, socket, worker, handlers, pending, outbox,
// requests}. Its handlers are null while an early connection waits for adopt(),
// and its events wait in `pending` until then.
const connections = new Map();
let worker = null;
let nextId = 1;
let nextRequest = 1;
let early = null;
// Set once Python opens its first link: from then on it makes every connection.
let pythonConnects = false;

// Connects to `url` and returns the client that subscribe(), unsubscribe() and end()
// take. onConnect(), onMessage(topic, text) and onClose(error) report its events.
export function connect(url, clientId, onConnect, onMessage, onClose) {
  pythonConnects = true;
  const handlers = { connect: onConnect, message: onMessage, close: onClose };
  return open(url, clientId, null, null, handlers);
}

export function subscribe(client, topics, onDone) {
  request(client, "subscribe", topics, onDone);
}

export function unsubscribe(client, topics, onDone) {
  request(client, "unsubscribe", topics, onDone);
}

export function end(client) {
  connections.delete(client.id);
  client.worker.postMessage({ op: "end", id: client.id });
  client.socket.close();
}

// Opens the page's first connection before Python runs, over `socket`, the
// WebSocket preload.js opened to `url`: connect, then subscribe to `topics`, and
// keep every event until adopt() hands them to Python. Once per page.
function preconnect({ url, clientId, topics, socket }) {
  if (early !== null || pythonConnects) {
    socket.close();
    return;
  }
  early = open(url, clientId, topics, socket, null);
  early.url = url;
  const record = early;
  setTimeout(() => {
    if (early === record) discard();
  }, EARLY_MAX_AGE_MS);
}

// Returns the early connection to `url` with its events going to the handlers from
// now on, the buffered ones first, or null when there is none. An early connection
// to another URL is ended: its bootstrap response was not the one Python used.
export function adopt(url, onConnect, onSubscribed, onMessage, onClose) {
  const client = early;
  early = null;
  pythonConnects = true;
  if (client === null) return null;
  if (client.url !== url) {
    end(client);
    return null;
  }
  // The caller stores the client before any handler runs.
  queueMicrotask(() => {
    client.handlers = {
      connect: onConnect,
      subscribed: onSubscribed,
      message: onMessage,
      close: onClose,
    };
    for (const data of client.pending.splice(0)) dispatch(client, data);
  });
  return client;
}

// Ends an early connection Python will not use (it chose another live feed).
export function discard() {
  const client = early;
  early = null;
  pythonConnects = true;
  if (client !== null) end(client);
  stopIdleWorkers();
}

// Terminates the workers no connection uses, so a page on another live feed does
// not keep mqtt.js in memory. A later connect() starts a new worker.
function stopIdleWorkers() {
  const preloaded = globalThis.qhMqttWorker;
  delete globalThis.qhMqttWorker;
  preloaded?.terminate();
  const used = [...connections.values()].some((client) => client.worker === worker);
  if (worker !== null && !used) {
    worker.terminate();
    worker = null;
  }
}

// Starts a connection in the worker over `socket`, or over a new WebSocket to `url`.
function open(url, clientId, topics, socket, handlers) {
  socket ??= new WebSocket(url, [MQTT_SUBPROTOCOL]);
  socket.binaryType = "arraybuffer";
  const client = {
    id: nextId++,
    socket,
    worker: startWorker(),
    handlers,
    pending: [],
    // Packets the worker sent before the socket opened.
    outbox: [],
    requests: new Map(),
  };
  connections.set(client.id, client);
  const { readyState } = socket;
  client.worker.postMessage({ op: "connect", id: client.id, url, clientId, topics, readyState });
  const relay = (type, data) => {
    if (connections.get(client.id) !== client) return;
    const transfer = data instanceof ArrayBuffer ? [data] : [];
    client.worker.postMessage({ op: "socket", id: client.id, type, data }, transfer);
  };
  socket.addEventListener("open", () => {
    for (const data of client.outbox.splice(0)) socket.send(data);
    relay("open");
  });
  socket.addEventListener("message", (event) => relay("message", event.data));
  socket.addEventListener("error", () => relay("error"));
  socket.addEventListener("close", () => relay("close"));
  return client;
}

function sendOrKeep(client, data) {
  if (client.socket.readyState === SOCKET_CONNECTING) client.outbox.push(data);
  else client.socket.send(data);
}

function request(client, op, topics, onDone) {
  const id = nextRequest++;
  client.requests.set(id, onDone);
  client.worker.postMessage({ op, id: client.id, request: id, topics: [...topics] });
}

// Returns the worker, the one preload.js started when there is one. After a worker
// fails, the next connection starts a new one.
function startWorker() {
  if (worker !== null) return worker;
  let preloaded = globalThis.qhMqttWorker;
  delete globalThis.qhMqttWorker;
  if (preloaded?.failed) {
    preloaded.terminate();
    preloaded = undefined;
  }
  const started = preloaded ?? new Worker(WORKER_URL, { type: "module" });
  worker = started;
  started.onmessage = ({ data }) => {
    const client = connections.get(data.id);
    if (client === undefined) return; // ended by Python, or never adopted
    if (data.event === "send") sendOrKeep(client, data.data);
    else if (data.event === "close-socket") client.socket.close();
    else if (client.handlers === null) client.pending.push(data);
    else dispatch(client, data);
  };
  started.onerror = (event) => {
    event.preventDefault();
    const error = `${WORKER_FAILED}: ${event.message || "no details"}`;
    console.warn(error);
    // A worker that failed to load posts nothing, and one that threw may still hold
    // clients for the sockets closed here. So it is terminated, and the next
    // connection starts another.
    started.terminate();
    if (worker === started) worker = null;
    for (const client of [...connections.values()]) {
      if (client.worker !== started) continue;
      // Deleted at once, so that no later event of its socket or worker reaches it.
      connections.delete(client.id);
      client.socket.close();
      const data = { id: client.id, event: "close", error };
      if (client.handlers === null) client.pending.push(data);
      else dispatch(client, data);
    }
  };
  return started;
}

function dispatch(client, data) {
  const { handlers } = client;
  switch (data.event) {
    case "connect":
      handlers.connect();
      break;
    case "subscribed":
      handlers.subscribed?.(data.error);
      break;
    case "message":
      received[data.topic] = (received[data.topic] || 0) + 1;
      handlers.message(data.topic, data.text);
      break;
    case "done": {
      const onDone = client.requests.get(data.request);
      client.requests.delete(data.request);
      onDone?.(data.error);
      break;
    }
    case "close":
      connections.delete(client.id);
      handlers.close(data.error);
      break;
  }
}

// preload.js hands over its socket here, whichever of the two runs first.
globalThis.qhMqttShim = { preconnect };
if (globalThis.qhEarlySocket) {
  const pending = globalThis.qhEarlySocket;
  delete globalThis.qhEarlySocket;
  preconnect(pending);
}
