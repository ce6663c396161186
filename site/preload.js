// Starts the bootstrap call while PyScript and MicroPython load, so the response is
// on its way before Python can ask for it. site/preload.py takes the promise from
// window.qhBootstrap once. A hidden page makes no call: it connects only when shown.
//
// When MQTT is the page's first live feed, the response also opens the MQTT
// connection through the shim (mqtt_shim.js preconnect), which Python takes over
// once it runs. The shim is the same module instance PyScript loads later, because
// both import it by the same URL.
(() => {
  const script = document.currentScript;
  const url = script.dataset.bootstrapUrl;
  if (!url || document.visibilityState !== "visible") return;
  const response = fetch(url, { method: "GET", cache: "no-store" });
  // Python awaits this promise and handles a failure; without a handler here the
  // browser would also log an unhandled rejection while Python is still loading.
  response.catch(() => {});
  window.qhBootstrap = { url, startedAt: performance.now(), response };
  if (script.dataset.shimUrl && mqttFirst(script.dataset.transports)) {
    const shimUrl = new URL(script.dataset.shimUrl, document.baseURI).href;
    preconnect(response, shimUrl);
  }

  // True when the page starts with MQTT: the built order begins with it, and so
  // does ?transport= when given. An invalid ?transport= makes Python use the built
  // order, so a page never connects early to a feed Python does not start with.
  function mqttFirst(builtOrder) {
    const first = (order) => String(order).split(",")[0].trim().toLowerCase();
    const param = new URLSearchParams(location.search).get("transport");
    return first(builtOrder) === "mqtt" && (param === null || first(param) === "mqtt");
  }

  function preconnect(response, shimUrl) {
    // clone() runs before Python reads the body, because this handler was
    // registered first.
    response
      .then((r) => (r.ok ? r.clone().json() : null))
      .then(async (body) => {
        const details = mqttDetails(body);
        if (!details) return;
        // Imported only now: evaluating mqtt.js (370 KB) while PyScript starts
        // MicroPython delays Python more than the connection gains
        // (bench/page.py).
        const shim = await import(shimUrl);
        shim.preconnect(details.url, details.clientId, details.topics);
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
