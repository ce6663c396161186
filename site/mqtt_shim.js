// Thin bridge between mqtt.js and the Python page. It forwards events as plain
// strings and contains no reconnect, version or state logic: that is in
// transport.py and app.py.
//
// preload.js opens a WebSocket to the presigned URL as soon as the bootstrap
// response arrives. preconnect() runs MQTT over it while MicroPython still boots:
// it connects, subscribes and buffers what arrives until Python takes the
// connection over with adopt(), for the same URL, so that URL is still used once,
// right after it was signed.
import mqtt from "./mqtt.esm.js";

// An early connection Python has not taken within this time is ended. Python takes
// a preloaded bootstrap response only while it is under 30 s old (site/preload.py).
const EARLY_MAX_AGE_MS = 60000;

// MQTT messages received per topic, for tests and for checking what a page costs
// on AWS IoT, which meters every message delivered to a subscriber.
const received = {};
globalThis.qhMessagesReceived = received;

const SOCKET_CLOSED_EARLY = "the WebSocket closed before MQTT started";
// WebSocket.OPEN; the states after it are CLOSING and CLOSED.
const SOCKET_OPEN = 1;

let early = null;
// Set once Python opens its first link: from then on it makes every connection.
let pythonConnects = false;

// `socket`, when given, is a WebSocket to `url` that is already open or opening
// (preload.js opens one early); mqtt.js then speaks MQTT over it.
export function connect(url, clientId, onConnect, onMessage, onClose, socket) {
  const options = {
    clientId,
    protocolVersion: 4,
    clean: true,
    // Python decides when and where to reconnect: a presigned URL works once.
    reconnectPeriod: 0,
    connectTimeout: 10000,
  };
  if (socket) options.createWebsocket = () => socket;
  const client = mqtt.connect(url, options);
  let lastError = "";
  client.on("connect", () => onConnect());
  client.on("message", (topic, payload) => {
    received[topic] = (received[topic] || 0) + 1;
    onMessage(topic, payload.toString());
  });
  client.on("error", (error) => {
    lastError = errorText(error);
  });
  client.on("close", () => onClose(lastError));
  if (socket && socket.readyState > SOCKET_OPEN) {
    // It closed before mqtt.js took it over, so its "close" event is past.
    lastError = SOCKET_CLOSED_EARLY;
    client.end(true);
  }
  return client;
}

export function subscribe(client, topics, onDone) {
  client.subscribe(topics, { qos: 1 }, (error) => onDone(errorText(error)));
}

export function unsubscribe(client, topics, onDone) {
  client.unsubscribe(topics, (error) => onDone(errorText(error)));
}

export function end(client) {
  client.end(true);
}

// Opens the page's first connection before Python runs, over `socket`, the
// WebSocket preload.js opened to `url`: connect, then subscribe to `topics`, and
// keep every event until adopt() hands them to Python. Once per page.
function preconnect({ url, clientId, topics, socket }) {
  if (early !== null || pythonConnects) {
    socket.close();
    return;
  }
  const record = { url, events: [], handlers: null, client: null };
  const keep = (name) => (...args) => deliver(record, name, args);
  const subscribed = keep("subscribed");
  record.client = connect(
    url,
    clientId,
    () => {
      keep("connect")();
      subscribe(record.client, topics, subscribed);
    },
    keep("message"),
    keep("close"),
    socket,
  );
  early = record;
  setTimeout(() => {
    if (early === record) discard();
  }, EARLY_MAX_AGE_MS);
}

// Returns the early connection to `url` with its events going to the handlers from
// now on, the buffered ones first, or null when there is none. An early connection
// to another URL is ended: its bootstrap response was not the one Python used.
export function adopt(url, onConnect, onSubscribed, onMessage, onClose) {
  const record = early;
  early = null;
  pythonConnects = true;
  if (record === null) return null;
  if (record.url !== url) {
    record.client.end(true);
    return null;
  }
  const handlers = {
    connect: onConnect,
    subscribed: onSubscribed,
    message: onMessage,
    close: onClose,
  };
  // The caller stores the client before any handler runs.
  queueMicrotask(() => {
    record.handlers = handlers;
    for (const [name, args] of record.events.splice(0)) handlers[name](...args);
  });
  return record.client;
}

// Ends an early connection Python will not use (it chose another live feed).
export function discard() {
  const record = early;
  early = null;
  pythonConnects = true;
  if (record !== null) record.client.end(true);
}

function deliver(record, name, args) {
  if (record.handlers === null) record.events.push([name, args]);
  else record.handlers[name](...args);
}

function errorText(error) {
  return error ? String(error.message || error) : "";
}

// preload.js hands over its socket here, whichever of the two runs first.
globalThis.qhMqttShim = { preconnect };
if (globalThis.qhEarlySocket) {
  const pending = globalThis.qhEarlySocket;
  delete globalThis.qhEarlySocket;
  preconnect(pending);
}
