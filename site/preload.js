// Runs inline in the page's head as the HTML parses. It starts the bootstrap call
// before the browser queues the runtime and the Python modules, so the response is
// there before Python can ask for it. site/preload.py takes the promise from
// window.qhBootstrap once. A hidden page makes no call: it connects only when shown.
//
// When MQTT is the page's first live feed, this also starts the worker that runs
// mqtt.js (site/mqtt_worker.js), so mqtt.js loads on another thread while
// MicroPython boots on this one. mqtt_shim.js takes it from window.qhMqttWorker.
// The response then opens the WebSocket to the presigned URL, so its handshake
// runs meanwhile too. The socket waits in window.qhEarlySocket until mqtt_shim.js
// runs, or goes to the shim's preconnect at once when the shim already runs.
// mqtt.js then speaks MQTT over it, and Python takes that connection over
// (mqtt_shim.js adopt).
(() => {
  // The WebSocket subprotocol that mqtt.js requests for MQTT 3.1.1.
  const MQTT_SUBPROTOCOL = "mqtt";
  // A socket no shim took within this time is closed (as mqtt_shim.js ends an
  // early connection Python did not take).
  const EARLY_SOCKET_MAX_AGE_MS = 60000;
  const script = document.currentScript;
  const url = script.dataset.bootstrapUrl;
  if (!url || document.visibilityState !== "visible") return;
  const response = fetch(url, { method: "GET", cache: "no-store" });
  // Python awaits this promise and handles a failure; without a handler here the
  // browser would also log an unhandled rejection while Python is still loading.
  response.catch(() => {});
  window.qhBootstrap = { url, startedAt: performance.now(), response };
  if (mqttFirst(script.dataset.transports)) {
    const worker = new Worker(script.dataset.mqttWorker, { type: "module" });
    // Until mqtt_shim.js takes the worker, a failure to load it is only marked: the
    // shim then starts another one, whose errors it handles.
    worker.onerror = (event) => {
      event.preventDefault();
      console.warn("the MQTT worker failed to run: " + (event.message || "no details"));
      worker.failed = true;
    };
    window.qhMqttWorker = worker;
    openEarlySocket(response);
  }

  // True when the page starts with MQTT: the built order begins with it, and so
  // does ?transport= when given. An invalid ?transport= makes Python use the built
  // order, so a page never connects early to a feed Python does not start with.
  function mqttFirst(builtOrder) {
    const first = (order) => String(order).split(",")[0].trim().toLowerCase();
    const param = new URLSearchParams(location.search).get("transport");
    return first(builtOrder) === "mqtt" && (param === null || first(param) === "mqtt");
  }

  function openEarlySocket(response) {
    // clone() runs before Python reads the body, because this handler was
    // registered first.
    response
      .then((r) => (r.ok ? r.clone().json() : null))
      .then((body) => {
        const details = mqttDetails(body);
        if (!details) return;
        const socket = new WebSocket(details.url, [MQTT_SUBPROTOCOL]);
        socket.binaryType = "arraybuffer";
        const early = { ...details, socket };
        if (window.qhMqttShim) {
          window.qhMqttShim.preconnect(early);
          return;
        }
        window.qhEarlySocket = early;
        setTimeout(() => {
          if (window.qhEarlySocket !== early) return;
          delete window.qhEarlySocket;
          socket.close();
        }, EARLY_SOCKET_MAX_AGE_MS);
      })
      // Python makes its own connection when this one does not happen.
      .catch(() => {});
  }

  // The fields site/bootstrap.py reads, from `iot` or else from the top level.
  function mqttDetails(body) {
    const iot = body && (body.iot || body);
    const topics = iot && iot.topics;
    const fields = [iot && iot.url, body && body.client_id, topics && topics.snapshot,
      topics && topics.updates];
    if (!fields.every((value) => typeof value === "string" && value)) return null;
    const [mqttUrl, clientId, snapshot, updates] = fields;
    return { url: mqttUrl, clientId, topics: [snapshot, updates] };
  }
})();
