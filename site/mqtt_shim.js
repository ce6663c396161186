// Thin bridge between mqtt.js and the Python page. It forwards events as plain
// strings and contains no reconnect or state logic: that is in transport.py.
import mqtt from "./mqtt.esm.js";

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
  client.on("message", (topic, payload) => onMessage(topic, payload.toString()));
  client.on("error", (error) => {
    lastError = String(error?.message || error);
  });
  client.on("close", () => onClose(lastError));
  return client;
}

export function subscribe(client, topics, onDone) {
  client.subscribe(topics, { qos: 1 }, (error) => onDone(error ? String(error.message) : ""));
}

export function end(client) {
  client.end(true);
}
