// The same job as the viewer page in plain JavaScript, as the benchmark's yardstick:
// fetch the bootstrap response, render every region's cards, subscribe with mqtt.js
// and apply snapshots and deltas (docs/protocol.md). No markdown, no reconnect.
import mqtt from "./mqtt.esm.js";

const regions = document.getElementById("regions");
const status = document.getElementById("status");
let state = null;

function card(stream) {
  const item = document.createElement("li");
  item.className = "stream";
  item.dataset.stream = stream.id;
  const name = document.createElement("h3");
  name.textContent = stream.name;
  const link = document.createElement("a");
  link.href = stream.url;
  link.textContent = stream.url.replace(/^https?:\/\//, "");
  const info = document.createElement("p");
  info.textContent = stream.info;
  const meta = document.createElement("p");
  meta.textContent = `${stream.score[0]} – ${stream.score[1]} ${stream.language}`;
  item.append(name, link, info, meta);
  return item;
}

function render() {
  const sections = state.regions.map((region) => {
    const section = document.createElement("section");
    section.dataset.region = region.id;
    const title = document.createElement("h2");
    title.textContent = region.title;
    const list = document.createElement("ul");
    list.append(...region.streams.map(card));
    section.append(title, list);
    return section;
  });
  regions.replaceChildren(...sections);
  regions.dataset.version = String(state.version);
}

function findRegion(id) {
  return state.regions.find((region) => region.id === id);
}

const OPS = {
  site: ([site]) => { state.site = site; },
  region: ([meta]) => {
    const known = findRegion(meta.id);
    if (known) Object.assign(known, meta);
    else state.regions.push({ ...meta, streams: [] });
    state.regions.sort((a, b) => a.order - b.order || a.id.localeCompare(b.id));
  },
  "region-": ([id]) => { state.regions = state.regions.filter((region) => region.id !== id); },
  stream: ([regionId, stream]) => {
    const streams = findRegion(regionId).streams;
    const index = streams.findIndex((known) => known.id === stream.id);
    if (index >= 0) streams[index] = stream;
    else streams.push(stream);
  },
  "stream-": ([regionId, streamId]) => {
    const region = findRegion(regionId);
    region.streams = region.streams.filter((stream) => stream.id !== streamId);
  },
  "streams-order": ([regionId, ids]) => {
    const region = findRegion(regionId);
    region.streams = ids.map((id) => region.streams.find((stream) => stream.id === id));
  },
};

function onMessage(message) {
  if (message.type === "snapshot" && (!state || message.version >= state.version)) {
    state = { ...message.state, version: message.version };
  } else if (message.type === "delta" && state && message.from === state.version) {
    for (const [op, ...args] of message.ops) OPS[op](args);
    state.version = message.to;
  } else {
    return;
  }
  render();
}

const response = await fetch("/api/bootstrap", { cache: "no-store" });
const bootstrap = await response.json();
onMessage({ type: "snapshot", version: bootstrap.version, state: bootstrap.state });
const topics = bootstrap.iot.topics;
const client = mqtt.connect(bootstrap.iot.url, {
  clientId: bootstrap.client_id, protocolVersion: 4, clean: true, reconnectPeriod: 0,
});
client.on("connect", () => {
  client.subscribe([topics.snapshot, topics.updates], { qos: 1 }, () => {
    status.dataset.state = "live";
    status.textContent = "Live";
  });
});
client.on("message", (topic, payload) => onMessage(JSON.parse(payload.toString())));
