// Thin bridge between mqtt.js and the Python page. It forwards events as plain
// strings and contains no reconnect, version or state logic: that is in
// transport.py and app.py.
//
// preload.js calls preconnect() as soon as the bootstrap response arrives, while
// MicroPython still boots. The connection subscribes and buffers what arrives until
// Python takes it over with adopt(), for the same presigned URL, so that URL is
// still used once, right after it was signed.
import mqtt from "./mqtt.esm.js";

// An early connection Python has not taken within this time is ended. Python takes
// a preloaded bootstrap response only while it is under 30 s old (site/preload.py).
const EARLY_MAX_AGE_MS = 60000;

// MQTT messages received per topic, for tests and for checking what a page costs
// on AWS IoT, which meters every message delivered to a subscriber.
const received = {};
globalThis.qhMessagesReceived = received;

let early = null;
// Set once Python opens its first link: from then on it makes every connection.
let pythonConnects = false;

export function connect(url, clientId, onConnect, onMessage, onClose) {
  const client = mqtt.connect(url, {
    clientId,
    protocolVersion: 4,
    clean: true,
    // Python decides when and where to reconnect: a presigned URL works once.
    reconnectPeriod: 0,
    connectTimeout: 10000,
  });
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

// Opens the page's first connection before Python runs: connect, then subscribe to
// `topics`, and keep every event until adopt() hands them to Python. Once per page.
export function preconnect(url, clientId, topics) {
  if (early !== null || pythonConnects) return;
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
