/* tracker.js: the first-party browser snippet. <script defer src="https://t.example.com/tr/v1/pub/tracker.js"
 * data-api="https://t.example.com"></script>. Options (attributes): data-api (the tracker's origin; default: where
 * this file came from), data-path (the event route, default /tr/v1/tr/), data-ws (any value: send over a WebSocket
 * when it is open), data-hash (hash-based routing counts as navigation), data-respect-dnt (honour Do-Not-Track and
 * Global Privacy Control), data-webdriver (track automated browsers too), data-downloads (file extensions, comma
 * separated), data-ptyp (the page type). Opt out: localStorage.setItem('tracker_optout', '1').
 * API: tracker.track(name, props), tracker.consent(flags), tracker.page(). No dependencies. */
(function (w, d) {
  var s = d.currentScript, N = w.navigator, L = w.location, E = encodeURIComponent;
  if (!s || w.tracker && w.tracker.track) return;
  var at = function (n) { return s.getAttribute('data-' + n); };
  var api = (at('api') || new URL(s.src, L.href).origin).replace(/\/$/, '');
  var path = at('path') || '/tr/v1/tr/';
  var exts = (at('downloads') || 'pdf,zip,gz,tgz,rar,7z,dmg,exe,msi,pkg,deb,rpm,apk,csv,xlsx?,docx?,pptx?,txt,mp3,mp4,mov,avi,iso').split(',');
  var dl = new RegExp('\\.(' + exts.join('|') + ')$', 'i');
  var queued = w.tracker && w.tracker.q || [];
  var leaving = 0, sock, last = d.referrer, seen;
  function off() {
    try { if (w.localStorage.getItem('tracker_optout')) return 1; } catch (e) { }
    if (N.webdriver && at('webdriver') == null) return 1;
    return at('respect-dnt') != null && (N.doNotTrack == '1' || N.globalPrivacyControl) ? 1 : 0;
  }
  function cookie(n, v, days) {
    if (v === undefined) {
      var m = d.cookie.match('(?:^|; )' + n + '=([^;]*)');
      return m ? decodeURIComponent(m[1]) : null;
    }
    d.cookie = n + '=' + E(v) + '; path=/; max-age=' + days * 86400 + '; samesite=lax' + (L.protocol == 'https:' ? '; secure' : '');
  }
  function uuid() {
    if (w.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), h = '';
    b[6] = b[6] & 15 | 64; b[8] = b[8] & 63 | 128;
    for (var i = 0; i < 16; i++) h += (i == 4 || i == 6 || i == 8 || i == 10 ? '-' : '') + (b[i] + 256).toString(16).slice(1);
    return h;
  }
  // The Go tracker's cookies: vid (visitor, defaults to the first sid), sid (30 minutes idle), la (last active), ref.
  function ids() {
    var now = Date.now(), sid = cookie('sid'), first = 0;
    if (!sid || now - (+cookie('la') || 0) > 18e5) { sid = uuid(); first = 1; cookie('sid', sid, 1); }
    cookie('la', '' + now, 1);
    var vid = cookie('vid');
    if (!vid) { vid = sid; cookie('vid', vid, 365); }
    return { vid: vid, sid: sid, first: first };
  }
  function send(ename, etyp, params, extra) {
    if (off()) return;
    var id = ids(), e = {
      ename: ename, etyp: etyp, vid: id.vid, sid: id.sid, url: L.href, last: last || undefined,
      tz: Intl.DateTimeFormat().resolvedOptions().timeZone, w: w.innerWidth, h: w.innerHeight,
      ptyp: at('ptyp') || undefined, params: params || undefined
    }, c = cookie('CookieConsent'), k;
    if (id.first) e.first = 'true';
    if (c != null && /^\d+$/.test(c)) e.cflags = +c;
    if (N.webdriver) e.webdriver = true;
    for (k in extra) e[k] = extra[k];
    var body = JSON.stringify(e);
    if (sock && sock.readyState == 1 && !leaving) return sock.send(body);
    // text/plain: a CORS-simple request, no preflight; keepalive (or a beacon) outlives the page
    if (leaving && N.sendBeacon && N.sendBeacon(api + path, new Blob([body], { type: 'text/plain' }))) return;
    try {
      fetch(api + path, { method: 'POST', body: body, keepalive: true, mode: 'no-cors', credentials: 'include',
        headers: { 'Content-Type': 'text/plain' } }).catch(function () { });
    } catch (x) { }
  }
  function where() { return L.pathname + L.search + (at('hash') != null ? L.hash : ''); }
  function page(force) {
    var here = where();
    if (!force && here == seen) return; // the same path twice: one view
    send('page_view', 'page');
    last = L.href; seen = here;
    cookie('ref', last, 1);
  }
  var H = w.history;
  ['pushState', 'replaceState'].forEach(function (f) {
    var o = H[f];
    H[f] = function () { var r = o.apply(this, arguments); page(); return r; };
  });
  w.addEventListener('popstate', function () { page(); });
  if (at('hash') != null) w.addEventListener('hashchange', function () { page(); });
  w.addEventListener('pageshow', function (e) { if (e.persisted) { leaving = 0; page(1); } }); // back from bfcache
  w.addEventListener('pagehide', function () { leaving = 1; });
  d.addEventListener('visibilitychange', function () { leaving = d.visibilityState == 'hidden' ? 1 : 0; });
  function click(e) {
    var a = e.target && e.target.closest && e.target.closest('a[href]');
    if (!a || !/^https?:$/.test(a.protocol)) return;
    var u = a.origin + a.pathname; // no query or fragment: presigned links and tokens stay out of params
    if (dl.test(a.pathname)) send('file_download', 'click', { url: u });
    else if (a.host != L.host) send('outbound_click', 'click', { url: u });
  }
  d.addEventListener('click', click, true);
  d.addEventListener('auxclick', function (e) { if (e.button == 1) click(e); }, true);
  if (at('ws') != null && w.WebSocket) {
    (function open() {
      sock = new WebSocket(api.replace(/^http/, 'ws') + '/tr/v1/ws');
      sock.onclose = function () { sock = null; if (!leaving) setTimeout(open, 5e3); };
    })();
  }
  w.tracker = {
    track: function (name, props) { send(name, 'event', props); },
    consent: function (flags) { cookie('CookieConsent', '' + flags, 365); },
    page: function () { page(1); }
  };
  queued.forEach(function (q) { w.tracker[q[0]].apply(null, [].slice.call(q, 1)); });
  function start() { page(); }
  if (d.prerendering) d.addEventListener('prerenderingchange', start, { once: true });
  else start();
})(window, document);
