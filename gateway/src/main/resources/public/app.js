// marketcast live odds page: plain JS, no build step.
// Flow (PROTOCOL section 7): load the REST view → create a channel → open its WebSocket → ACK →
// subscribe → begin with `since` = the view's asOf, so unchanged markets come as `current`.
"use strict";

const state = {
  markets: new Map(),          // marketId → market object (the REST view, then the stream)
  asOf: 0,
  sport: null,
  competition: null,
  slip: new Set(),
  format: localStorage.getItem("oddsFormat") || "DECIMAL",
  counts: { snapshot: 0, delta: 0, current: 0, removed: 0 },
};

async function api(method, path, body, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${json.message || ""}`);
  return json;
}

// One channel and its WebSocket. The gateway applies the chain rules (duplicates dropped, gaps
// resynced); the page applies what it gets. A dropped socket reconnects within the gateway's grace.
class Channel {
  constructor(label, onMessage, onLive) {
    this.label = label;
    this.onMessage = onMessage;
    this.onLive = onLive;
  }

  async open(view) {
    const created = await api("POST", "/api/channels", view);
    this.id = created.channelId;
    this.token = created.token;
    setInterval(() => this.call("POST", "/token").then(r => { this.token = r.token; }).catch(() => {}), 5 * 60 * 1000);
    await this.connect();
    return this;
  }

  connect() {
    return new Promise((resolve) => {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const ws = new WebSocket(`${scheme}://${location.host}/ws/${this.id}`);
      this.ws = ws;
      ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: this.token }));
      ws.onmessage = (event) => {
        const message = JSON.parse(event.data);
        if (message.type === "ack") {
          setStatus("live", true);
          Promise.resolve(this.onLive(this)).then(resolve);
        } else if (message.type !== "pong") {
          this.onMessage(message);
        }
      };
      ws.onclose = (event) => {
        if (event.code >= 4400 && event.code !== 4409) {
          setStatus(`${this.label}: ${event.reason || event.code}`, false);
          return;
        }
        setStatus("reconnecting…", false);
        setTimeout(() => this.connect(), 1000);
      };
    });
  }

  call(method, path, body) {
    return api(method, `/api/channels/${this.id}${path}`, body, this.token);
  }
}

// --- odds ------------------------------------------------------------------------------------

function applyMessage(message, scope) {
  state.counts[message.type] = (state.counts[message.type] || 0) + 1;
  const id = message.marketId;
  if (message.type === "snapshot") {
    const before = scope.markets.get(id);
    scope.markets.set(id, message.market);
    if (scope === board) state.markets.set(id, message.market);
    scope.render(id, before);
  } else if (message.type === "delta") {
    const market = scope.markets.get(id);
    if (!market) return;
    const before = structuredClone(market);
    const c = message.changes || {};
    if (c.status) market.status = c.status;
    if ("name" in c) market.name = c.name;
    if ("type" in c) market.type = c.type;
    if (c.event) market.event = c.event;
    for (const s of c.selections || []) {
      const held = market.selections.find(x => x.id === s.id);
      if (held) Object.assign(held, s); else market.selections.push(s);
    }
    market.version = message.version;
    scope.render(id, before);
  } else if (message.type === "removed") {
    scope.remove(id, message.reason);
  }
  document.getElementById("counters").textContent =
    `${state.counts.snapshot} snapshots · ${state.counts.delta} deltas · ${state.counts.current} current · ${state.counts.removed} removed`;
}

function marketRow(market, before, withSlipButton) {
  const row = document.createElement("div");
  row.className = "market " + (market.status || "").toLowerCase();
  row.dataset.market = market.marketId;
  const name = document.createElement("div");
  name.className = "name";
  name.textContent = market.name || market.marketId;
  if (market.status && market.status !== "OPEN") {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = market.status;
    name.append(badge);
  }
  const selections = document.createElement("div");
  selections.className = "selections";
  for (const s of market.selections || []) {
    const cell = document.createElement("span");
    cell.className = "sel";
    const price = document.createElement("span");
    price.className = "price";
    price.dataset.market = market.marketId;
    price.dataset.selection = s.id;
    price.textContent = s.display ?? "–";
    flash(price, before && (before.selections || []).find(x => x.id === s.id), s);
    const sname = document.createElement("span");
    sname.className = "sname";
    sname.textContent = s.name || s.id;
    cell.append(sname, price);
    selections.append(cell);
  }
  row.append(name, selections);
  if (withSlipButton) {
    const button = document.createElement("button");
    const inSlip = state.slip.has(market.marketId);
    button.textContent = inSlip ? "in slip" : "+ slip";
    button.className = inSlip ? "in-slip" : "";
    button.dataset.slip = market.marketId;
    button.onclick = () => addToSlip(market.marketId);
    row.append(button);
  }
  return row;
}

// A price that moved flashes green (up) or red (down), then fades back.
function flash(cell, old, now) {
  if (!old || old.price == null || now.price == null || old.price === now.price) return;
  cell.classList.remove("up", "down");
  void cell.offsetWidth;
  cell.classList.add(now.price > old.price ? "up" : "down");
  setTimeout(() => cell.classList.remove("up", "down"), 600);
}

// Updates a rendered row in place when only prices changed (cheaper, and the flash stays on the
// element the eye is on); false when the row must be rendered anew.
function updateRow(row, market, before) {
  if (!before || before.status !== market.status || before.name !== market.name) return false;
  const cells = row.querySelectorAll(".price");
  const selections = market.selections || [];
  if (cells.length !== selections.length) return false;
  for (let i = 0; i < selections.length; i++) {
    if (cells[i].dataset.selection !== selections[i].id) return false;
  }
  selections.forEach((s, i) => {
    const text = s.display ?? "–";
    if (cells[i].textContent !== text) {
      cells[i].textContent = text;
      flash(cells[i], (before.selections || []).find(x => x.id === s.id), s);
    }
  });
  return true;
}

function titled(row, market) {
  const title = document.createElement("div");
  title.className = "title";
  const e = market.event || {};
  title.textContent = `${e.name || e.eventId || ""} · ${market.name || market.marketId}`;
  row.prepend(title);
  return row;
}

// --- the board: sports → competitions → events → markets ---------------------------------------

const board = {
  markets: state.markets,
  render(id, before) {
    const market = state.markets.get(id);
    const old = document.querySelector(`#events [data-market="${CSS.escape(id)}"]`);
    if (old) {
      if (!updateRow(old, market, before)) old.replaceWith(marketRow(market, before, true));
    } else if (inSelection(market)) renderBoard();
    slip.render(id, before);
  },
  remove(id, reason) {
    if (reason === "CLOSED") {
      const market = state.markets.get(id);
      if (market) { market.status = "CLOSED"; board.render(id, market); }
    }
    if (state.slip.has(id) && reason !== "QUERY_MISMATCH") slip.drop(id);
  },
};

function inSelection(market) {
  const e = market && market.event || {};
  return e.sport === state.sport && (e.competition || "—") === state.competition;
}

function renderNav() {
  const tree = new Map();
  for (const m of state.markets.values()) {
    const e = m.event || {};
    if (!e.sport) continue;
    if (!tree.has(e.sport)) tree.set(e.sport, new Map());
    const competitions = tree.get(e.sport);
    const c = e.competition || "—";
    competitions.set(c, (competitions.get(c) || 0) + 1);
  }
  const nav = document.getElementById("sports");
  nav.replaceChildren();
  const followSport = document.getElementById("follow-sport");
  const followed = followSport.value;
  followSport.replaceChildren();
  for (const sport of [...tree.keys()].sort()) {
    const h = document.createElement("h3");
    h.textContent = sport;
    nav.append(h);
    followSport.append(new Option(sport, sport));
    for (const [competition, count] of [...tree.get(sport)].sort()) {
      const b = document.createElement("button");
      b.dataset.sport = sport;
      b.dataset.competition = competition;
      b.innerHTML = `<span></span><small>${count}</small>`;
      b.firstChild.textContent = competition;
      if (sport === state.sport && competition === state.competition) b.className = "selected";
      b.onclick = () => selectCompetition(sport, competition);
      nav.append(b);
    }
  }
  if (followed) followSport.value = followed;
  else if (tree.has("football")) followSport.value = "football";
  return tree;
}

function renderBoard() {
  document.getElementById("board-title").textContent = state.sport ? `${state.sport} · ${state.competition}` : "No markets yet";
  const events = new Map();
  for (const m of state.markets.values()) {
    if (!inSelection(m)) continue;
    const key = (m.event && m.event.eventId) || m.marketId;
    if (!events.has(key)) events.set(key, []);
    events.get(key).push(m);
  }
  const container = document.getElementById("events");
  container.replaceChildren();
  const sorted = [...events.values()].sort((a, b) => ((a[0].event || {}).startTime || 0) - ((b[0].event || {}).startTime || 0));
  for (const markets of sorted) {
    const e = markets[0].event || {};
    const div = document.createElement("div");
    div.className = "event";
    div.dataset.event = e.eventId || "";
    const head = document.createElement("div");
    head.className = "event-head";
    const name = document.createElement("span");
    name.textContent = e.name || e.eventId || markets[0].marketId;
    if (e.inPlay) { const live = document.createElement("span"); live.className = "inplay"; live.textContent = "IN PLAY"; name.append(live); }
    const when = document.createElement("span");
    when.className = "when";
    when.textContent = e.startTime ? new Date(e.startTime).toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" }) : "";
    head.append(name, when);
    div.append(head);
    for (const m of markets.sort((a, b) => a.marketId.localeCompare(b.marketId))) div.append(marketRow(m, null, true));
    container.append(div);
  }
}

async function selectCompetition(sport, competition) {
  state.sport = sport;
  state.competition = competition;
  renderNav();
  renderBoard();
  const query = { sport };
  if (competition !== "—") query.competition = competition;
  // the same queryId replaces the query: the previous competition's markets leave the channel
  await main.call("POST", "/subscriptions", { queryId: "board", query });
}

// --- the bet slip: markets held by list, streaming whatever the board shows ---------------------

const slip = {
  render(id, before) {
    if (!state.slip.has(id)) return;
    const market = state.markets.get(id);
    const container = document.getElementById("slip-markets");
    const old = container.querySelector(`[data-market="${CSS.escape(id)}"]`);
    if (old && updateRow(old, market, before)) return;
    const row = titled(marketRow(market, before, false), market);
    if (old) old.replaceWith(row); else container.append(row);
    const remove = document.createElement("button");
    remove.textContent = "remove";
    remove.onclick = () => removeFromSlip(id);
    row.append(remove);
    document.getElementById("slip-empty").hidden = state.slip.size > 0;
  },
  drop(id) {
    state.slip.delete(id);
    document.querySelector(`#slip-markets [data-market="${CSS.escape(id)}"]`)?.remove();
    document.getElementById("slip-empty").hidden = state.slip.size > 0;
  },
};

async function addToSlip(id) {
  if (state.slip.has(id)) return;
  state.slip.add(id);
  slip.render(id, null);
  board.render(id, null);
  await main.call("POST", "/subscriptions", { markets: [id] });
}

async function removeFromSlip(id) {
  slip.drop(id);
  board.render(id, null);
  await main.call("DELETE", "/subscriptions", { markets: [id] });
}

// --- follow a query: markets join and leave --------------------------------------------------

const follow = {
  markets: new Map(),
  channel: null,
  render(id, before) {
    const market = follow.markets.get(id);
    const container = document.getElementById("follow-markets");
    const old = container.querySelector(`[data-market="${CSS.escape(id)}"]`);
    if (old && updateRow(old, market, before)) return;
    const row = titled(marketRow(market, before, false), market);
    if (old) old.replaceWith(row);
    else { container.append(row); logFollow("join", market); }
    summary();
  },
  remove(id, reason) {
    const market = follow.markets.get(id);
    follow.markets.delete(id);
    document.querySelector(`#follow-markets [data-market="${CSS.escape(id)}"]`)?.remove();
    if (market) logFollow("leave", market, reason);
    summary();
  },
};

function summary() {
  document.getElementById("follow-summary").textContent = `${follow.markets.size} markets match now`;
}

function logFollow(kind, market, reason) {
  const li = document.createElement("li");
  li.className = kind;
  const e = market.event || {};
  li.textContent = `${new Date().toLocaleTimeString()} ${e.name || e.eventId || ""} · ${market.name || market.marketId}${reason ? " (" + reason.toLowerCase() + ")" : ""}`;
  const log = document.getElementById("follow-log");
  log.prepend(li);
  while (log.children.length > 30) log.lastChild.remove();
}

async function followQuery(event) {
  event.preventDefault();
  const query = { sport: document.getElementById("follow-sport").value };
  const minutes = Number(document.getElementById("follow-minutes").value);
  if (document.getElementById("follow-inplay").checked) query.inPlay = true;
  else if (minutes > 0) query.startsWithinMinutes = minutes;
  if (!follow.channel) {
    follow.channel = await new Channel("follow", m => applyMessage(m, follow), c => c.call("POST", "/begin", {})).open({ oddsFormat: state.format });
  }
  await follow.channel.call("POST", "/subscriptions", { queryId: "follow", query });
}

// --- start ------------------------------------------------------------------------------------

function setStatus(text, live) {
  const status = document.getElementById("status");
  status.textContent = text;
  status.className = "status " + (live ? "live" : "down");
}

let main;

async function start() {
  const select = document.getElementById("odds-format");
  select.value = state.format;
  const view = await api("GET", "/api/markets");
  state.asOf = view.asOf;
  for (const m of view.markets) state.markets.set(m.marketId, m);
  const tree = renderNav();
  // start on the competition with the most markets in play, else the largest one
  let best = null;
  for (const [sport, competitions] of tree) {
    for (const [competition, count] of competitions) {
      const live = [...state.markets.values()].filter(m => m.event && m.event.sport === sport && (m.event.competition || "—") === competition && m.event.inPlay).length;
      const score = live * 1000 + count;
      if (!best || score > best.score) best = { sport, competition, score };
    }
  }
  if (best) { state.sport = best.sport; state.competition = best.competition; }
  renderNav();
  renderBoard();

  let first = true;
  main = await new Channel("board", m => applyMessage(m, board), async (channel) => {
    if (first && state.sport) {
      const query = { sport: state.sport };
      if (state.competition !== "—") query.competition = state.competition;
      await channel.call("POST", "/subscriptions", { queryId: "board", query });
    }
    // the first begin: markets unchanged since the view come as `current`; after a reconnect,
    // everything again as snapshots
    // (the view's display is decimal: in another format everything comes as a snapshot)
    await channel.call("POST", "/begin", first && state.format === "DECIMAL" ? { since: state.asOf } : {});
    first = false;
  }).open({ oddsFormat: state.format });

  select.onchange = async () => {
    state.format = select.value;
    localStorage.setItem("oddsFormat", state.format);
    // a per-channel view: the job sends every market again as a snapshot in the new format
    await main.call("PUT", "/view", { oddsFormat: state.format });
    if (follow.channel) await follow.channel.call("PUT", "/view", { oddsFormat: state.format });
  };
  document.getElementById("follow-form").onsubmit = followQuery;
}

start().catch(e => setStatus(e.message, false));
