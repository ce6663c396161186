// Runs mqtt.js in a dedicated worker, so that neither its evaluation (a 340 KB
// bundle) nor its packet handling takes the page's main thread while MicroPython
// boots there. site/mqtt_shim.js talks to it in plain messages. The WebSocket
// itself stays in the page, which relays its events here, so the page's early
// socket (preload.js) can carry the first connection.
//
// Requests, each naming a connection by the shim's `id`:
//   {op: "connect", id, url, clientId, topics, readyState}
//       topics: subscribe once connected (or null); readyState: the page socket's
//       now, where CONNECTING counts as OPEN (the shim keeps packets until open)
//   {op: "socket", id, type: "open" | "message" | "error" | "close", data}
//   {op: "subscribe" | "unsubscribe", id, request, topics}
//   {op: "end", id}
// Events for the shim, in the order mqtt.js emits them:
//   {id, event: "send", data}  bytes for the socket (an ArrayBuffer, transferred)
//   {id, event: "close-socket"}
//   {id, event: "connect"}
//   {id, event: "subscribed", error}  only for a connect that named topics
//   {id, event: "message", topic, text}
//   {id, event: "done", request, error}  a subscribe or unsubscribe finished
//   {id, event: "close", error}  error: the last error mqtt.js reported, or ""
// Reconnects and versions are Python's: the worker keeps only the clients.

const SOCKET_CLOSED_EARLY = "the WebSocket closed before MQTT started";
// WebSocket readyState values.
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

// mqtt.js loads while the first socket opens: requests wait for it, in order.
const mqttLoaded = import("./mqtt.esm.js").then((module) => module.default);
// A failed load is reported to each request (run below), not as an unhandled error.
mqttLoaded.catch(() => {});
let queue = Promise.resolve();
const clients = new Map();
const sockets = new Map();

// The WebSocket interface mqtt.js uses (readyState, OPEN, send, close and the
// open, message, error and close events), over the page's socket.
class RelayedSocket extends EventTarget {
  constructor(id, readyState) {
    super();
    this.id = id;
    this.readyState = readyState;
    this.binaryType = "arraybuffer";
    // NOTE: the page's socket buffers what it sends; mqtt.js's packets here are
    // small, so this reports an empty buffer instead of asking the page.
    this.bufferedAmount = 0;
  }

  get OPEN() {
    return OPEN;
  }

  send(chunk) {
    const bytes = new Uint8Array(chunk.length);
    bytes.set(chunk);
    self.postMessage({ id: this.id, event: "send", data: bytes.buffer }, [bytes.buffer]);
  }

  close() {
    if (this.readyState >= CLOSING) return;
    this.readyState = CLOSING;
    self.postMessage({ id: this.id, event: "close-socket" });
  }

  receive(type, data) {
    if (type === "open") this.readyState = OPEN;
    if (type === "close") this.readyState = CLOSED;
    const event = type === "message" ? new MessageEvent(type, { data }) : new Event(type);
    this.dispatchEvent(event);
  }
}

self.onmessage = ({ data }) => {
  if (data.op === "socket") {
    // Socket events go to mqtt.js at once, but only after its connect ran.
    queue = queue.then(() => sockets.get(data.id)?.receive(data.type, data.data));
  } else {
    queue = queue.then(() => run(data));
  }
};

async function run(data) {
  try {
    operations[data.op](data, await mqttLoaded);
  } catch (error) {
    // The shim hears of the failure as the end of that connection or request.
    const text = errorText(error);
    console.warn(`MQTT worker: ${data.op} for connection ${data.id} failed: ${text}`);
    if (data.op === "connect") {
      clients.delete(data.id);
      sockets.delete(data.id);
      self.postMessage({ id: data.id, event: "close-socket" });
      self.postMessage({ id: data.id, event: "close", error: text });
    } else if (data.request) {
      self.postMessage({ id: data.id, event: "done", request: data.request, error: text });
    }
  }
}

const operations = {
  connect({ id, url, clientId, topics, readyState }, mqtt) {
    // The shim keeps what mqtt.js sends until the page's socket opens, so mqtt.js may
    // write CONNECT at once, and the shim sends it as soon as the socket opens.
    const socket = new RelayedSocket(id, Math.max(readyState, OPEN));
    sockets.set(id, socket);

    const client = mqtt.connect(url, {
      clientId,
      protocolVersion: 4,
      clean: true,
      // Python decides when and where to reconnect: a presigned URL works once.
      reconnectPeriod: 0,
      connectTimeout: 10000,
      // mqtt.js ends a connection whose broker misses a ping for 1.5 keepalives, so
      // a silent broker shows as lost after about 45 s instead of 90 s (the 60 s
      // default). 30 s is AWS IoT's minimum, and its pings at that rate are free
      // (AWS IoT Core pricing, "additional details").
      keepalive: 30,
      createWebsocket: () => socket,
    });
    clients.set(id, client);

    let lastError = "";
    client.on("connect", () => {
      self.postMessage({ id, event: "connect" });
      if (!topics) return;
      client.subscribe(topics, { qos: 1 }, (error) => {
        self.postMessage({ id, event: "subscribed", error: errorText(error) });
      });
    });
    client.on("message", (topic, payload) => {
      self.postMessage({ id, event: "message", topic, text: payload.toString() });
    });
    client.on("error", (error) => {
      lastError = errorText(error);
    });
    client.on("close", () => {
      forget(id, client);
      self.postMessage({ id, event: "close", error: lastError });
    });

    if (readyState > OPEN) {
      // The socket closed before mqtt.js took it, so its "close" event is past.
      lastError = SOCKET_CLOSED_EARLY;
      client.end(true);
    }
  },

  subscribe({ id, request, topics }) {
    const client = clients.get(id);
    if (!client) return reportClosed(id, request);
    client.subscribe(topics, { qos: 1 }, (error) => {
      self.postMessage({ id, event: "done", request, error: errorText(error) });
    });
  },

  unsubscribe({ id, request, topics }) {
    const client = clients.get(id);
    if (!client) return reportClosed(id, request);
    client.unsubscribe(topics, (error) => {
      self.postMessage({ id, event: "done", request, error: errorText(error) });
    });
  },

  end({ id }) {
    const client = clients.get(id);
    if (client) client.end(true);
  },
};

function forget(id, client) {
  if (clients.get(id) !== client) return;
  clients.delete(id);
  sockets.delete(id);
}

function reportClosed(id, request) {
  self.postMessage({ id, event: "done", request, error: "the connection is closed" });
}

function errorText(error) {
  return error ? String(error.message || error) : "";
}
