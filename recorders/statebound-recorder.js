/*
 * statebound recorder for browser pages: records what the page's WebSockets and its session do,
 * as the JSON-lines log that `statebound trace MODEL LOG.jsonl` replays (docs/trace-format.md).
 *
 * Load it before the page's own scripts:
 *
 *   <script>window.STATEBOUND_RECORDER = {socket: "socket", session: "session"};</script>  (optional)
 *   <script src="statebound-recorder.js"></script>
 *
 * It replaces window.WebSocket with a constructor that returns the browser's own WebSocket,
 * watched: `new WebSocket(url)` is recorded as the event "connect", and the socket's events as
 * "open", "error", "close" (observed: its close code) and, with {messages: true}, "message"; a
 * call of ws.close() by the page is "disconnect". Every event observes "ready", the socket's
 * readyState by name (CONNECTING, OPEN, CLOSING, CLOSED). The recorder's listeners are added
 * when the socket is made, before the page's, so an event is recorded before the page reacts
 * to it (a reconnect in an onclose handler comes after the close in the log).
 *
 * Session events are the page's to tell: statebound.session("login") or
 * statebound.session("logout", {state: "LoggedOut"}), or dispatch a DOM event
 * `new CustomEvent("statebound:session", {detail: {event: "login", observed: {...}}})`.
 * With {page: "page"} the page's lifecycle is recorded too, as instance "page": "hidden",
 * "visible", "online", "offline", "pagehide".
 *
 * The log so far: statebound.text() (the whole file), statebound.lines() (one string per line);
 * statebound.download("run.jsonl") saves it. {sink: function (line) {...}} also hands each line
 * to the page as it is written (to send it somewhere, say).
 *
 * Several sockets: give each one its instance with {socketName: function (url) { return ... }}.
 */
(function (global) {
  'use strict';
  if (!global.WebSocket || global.WebSocket.__statebound) return;
  var Native = global.WebSocket;
  var READY = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
  var options = global.STATEBOUND_RECORDER || {};
  var config = {
    socket: options.socket || 'socket',
    session: options.session || 'session',
    page: options.page || null,
    messages: !!options.messages,
    sink: typeof options.sink === 'function' ? options.sink : null,
    socketName: typeof options.socketName === 'function' ? options.socketName : null
  };
  var lines = [];
  var last = 0;
  var recorded = [config.socket, config.session];
  if (config.page) recorded.push(config.page);
  if (options.recorded) recorded = options.recorded.slice();

  function now() {
    // milliseconds since the epoch, never decreasing (the format requires it)
    var t = (global.performance && performance.timeOrigin)
      ? performance.timeOrigin + performance.now() : Date.now();
    t = Math.round(t * 1000) / 1000;
    if (t < last) t = last;
    last = t;
    return t;
  }

  function write(doc) {
    var line = JSON.stringify(doc);
    lines.push(line);
    if (config.sink) {
      try { config.sink(line); } catch (e) { /* the page's sink must not break the page */ }
    }
  }

  function record(instance, event, observed, meta) {
    var doc = {ts: now(), instance: instance, event: event};
    if (observed) doc.observed = observed;
    if (meta) doc.meta = meta;
    write(doc);
  }

  write({format: 'statebound-trace', version: 1, recorded: recorded, source: 'statebound-recorder.js',
         meta: {url: String(global.location && global.location.href), userAgent: String(global.navigator && navigator.userAgent)}});

  function RecordedWebSocket(url, protocols) {
    var ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    var instance = config.socketName ? String(config.socketName(String(url))) : config.socket;
    function ready() { return {ready: READY[ws.readyState]}; }
    record(instance, 'connect', ready(), {url: String(url)});
    ws.addEventListener('open', function () { record(instance, 'open', ready()); });
    ws.addEventListener('error', function () { record(instance, 'error', ready()); });
    ws.addEventListener('close', function (ev) {
      var seen = ready();
      seen.code = ev.code;
      record(instance, 'close', seen, {reason: ev.reason, wasClean: ev.wasClean});
    });
    if (config.messages) {
      ws.addEventListener('message', function () { record(instance, 'message', ready()); });
    }
    var close = ws.close;
    ws.close = function () {
      var result = close.apply(ws, arguments);
      record(instance, 'disconnect', ready());
      return result;
    };
    return ws;
  }
  RecordedWebSocket.prototype = Native.prototype;
  RecordedWebSocket.CONNECTING = 0;
  RecordedWebSocket.OPEN = 1;
  RecordedWebSocket.CLOSING = 2;
  RecordedWebSocket.CLOSED = 3;
  RecordedWebSocket.__statebound = true;
  global.WebSocket = RecordedWebSocket;

  global.addEventListener('statebound:session', function (ev) {
    var d = ev.detail || {};
    if (d.event) record(config.session, String(d.event), d.observed || null);
  });

  if (config.page) {
    global.addEventListener('online', function () { record(config.page, 'online'); });
    global.addEventListener('offline', function () { record(config.page, 'offline'); });
    global.addEventListener('pagehide', function () { record(config.page, 'pagehide'); });
    if (global.document) {
      document.addEventListener('visibilitychange', function () {
        record(config.page, document.visibilityState === 'hidden' ? 'hidden' : 'visible');
      });
    }
  }

  global.statebound = {
    session: function (event, observed) { record(config.session, String(event), observed || null); },
    record: record,
    lines: function () { return lines.slice(); },
    text: function () { return lines.length ? lines.join('\n') + '\n' : ''; },
    download: function (name) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([this.text()], {type: 'application/x-ndjson'}));
      a.download = name || 'statebound-run.jsonl';
      document.body.appendChild(a);
      a.click();
      a.remove();
    }
  };
})(window);
