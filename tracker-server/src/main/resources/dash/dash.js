// The tracker's dashboard (/dash/): every number comes from the tenant-scoped query API ({api}/v1/query) or, for the
// live rate and the storage sessions, from /status. Text only (textContent), charts drawn as SVG here, nothing loaded
// from elsewhere. The credential is held in this closure only: never stored, never in a URL.
(function () {
  'use strict';
  var API = (document.querySelector('meta[name="tracker-api"]') || {}).content || '/api';
  var PAGEVIEWS = ((document.querySelector('meta[name="tracker-pageviews"]') || {}).content || 'page_view').split(',');
  var SVG = 'http://www.w3.org/2000/svg';
  var TOPS = [
    { id: 'page', dim: 'event:page', metrics: ['visitors', 'pageviews'], heads: ['Page', 'Visitors', 'Views'],
      filters: [['is', 'event:name', PAGEVIEWS]] }, // pages people viewed, not every event's url
    { id: 'source', dim: 'visit:source', metrics: ['visitors', 'visits'], heads: ['Source', 'Visitors', 'Visits'] },
    { id: 'channel', dim: 'visit:channel', metrics: ['visitors', 'visits'], heads: ['Channel', 'Visitors', 'Visits'] },
    { id: 'campaign', dim: 'visit:campaign', metrics: ['visitors', 'events'], heads: ['Campaign', 'Visitors', 'Events'] },
    { id: 'country', dim: 'visit:country', metrics: ['visitors', 'visits'], heads: ['Country', 'Visitors', 'Visits'] },
    { id: 'device', dim: 'visit:device', metrics: ['visitors', 'visits'], heads: ['Device', 'Visitors', 'Visits'] }
  ];
  var auth = null; // {header, admin, tenant}
  var live = { timer: null, last: null };
  var refreshTimer = null;
  var generation = 0; // a newer refresh makes an older one's answers stale
  var fmt = new Intl.NumberFormat('en');

  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }
  function num(n) { return n == null ? '–' : fmt.format(n); }

  // ---- the API: one request at a time per kind of work, a busy 503 (api.maxConcurrentQueries) retried
  function call(method, path, body, attempt) {
    attempt = attempt || 0;
    if (!auth) return Promise.reject(new Error('signed out'));
    var url = path + (auth.admin && auth.tenant && path.indexOf(API) === 0 ? '?oid=' + encodeURIComponent(auth.tenant) : '');
    var init = { method: method, headers: { Authorization: auth.header }, credentials: 'omit', cache: 'no-store' };
    if (body) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (r) {
      if (r.status === 503 && attempt < 6) {
        var after = parseInt(r.headers.get('Retry-After'), 10);
        var wait = Math.min(after > 0 ? after * 1000 : 2000, 150 * Math.pow(2, attempt));
        return new Promise(function (ok) { setTimeout(ok, wait); }).then(function () { return call(method, path, body, attempt + 1); });
      }
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var e = new Error(j.error || ('HTTP ' + r.status));
          e.status = r.status;
          throw e;
        }
        return j;
      });
    });
  }
  function query(q) { return call('POST', API + '/v1/query', q); }

  // ---- sign-in
  function showKind() {
    var k = $('kind').value;
    $('secret-row').hidden = k === 'basic';
    $('user-row').hidden = k !== 'basic';
    $('password-row').hidden = k !== 'basic';
  }
  function signIn(ev) {
    ev.preventDefault();
    var k = $('kind').value, header;
    if (k === 'basic') {
      var raw = $('user').value + ':' + $('password').value;
      header = 'Basic ' + btoa(unescape(encodeURIComponent(raw)));
    } else {
      header = 'Bearer ' + $('secret').value.trim();
    }
    $('signin-error').textContent = '';
    auth = { header: header, admin: k !== 'key', tenant: null };
    var check = auth.admin
      ? call('GET', '/tr/v1/rpi/keys').then(function (j) {
        var oids = [];
        (j.keys || []).forEach(function (key) { if (oids.indexOf(key.oid) < 0) oids.push(key.oid); });
        var list = $('tenants');
        list.textContent = '';
        oids.forEach(function (o) { var opt = el('option'); opt.value = o; list.appendChild(opt); });
        auth.tenant = oids[0] || null;
        $('tenant').value = auth.tenant || '';
        return 'admin';
      })
      : query({ metrics: ['events'], date_range: 'day' }).then(function (j) {
        auth.tenant = j.meta.tenant;
        return 'API key';
      });
    check.then(function (as) {
      $('secret').value = '';
      $('password').value = '';
      $('signin').hidden = true;
      $('board').hidden = false;
      $('signout').hidden = false;
      $('tenant-row').hidden = !auth.admin;
      who(as);
      startLive();
      refresh();
    }, function (e) {
      auth = null;
      $('signin-error').textContent = e.status === 401 || e.status === 403
        ? 'Not accepted: ' + e.message : 'Sign-in failed: ' + e.message;
    });
  }
  function who(as) {
    $('who').textContent = 'Signed in with ' + (as === 'admin' ? 'admin credentials' : 'an API key')
      + (auth.tenant ? ' · tenant ' + auth.tenant : '');
  }
  function signOut() {
    auth = null;
    generation++;
    clearInterval(live.timer);
    clearTimeout(refreshTimer);
    live = { timer: null, last: null };
    // nothing of the last tenant stays on the page for the next person
    ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate', 'live'].forEach(function (k) { $('m-' + k).textContent = '–'; });
    ['chart', 'health', 'node'].concat(TOPS.map(function (t) { return 't-' + t.id; }))
      .forEach(function (id) { $(id).textContent = ''; });
    $('tenant').value = '';
    $('tenants').textContent = '';
    state('');
    $('board').hidden = true;
    $('signout').hidden = true;
    $('signin').hidden = false;
    $('who').textContent = '';
  }

  // ---- the range: what the query API is asked and which buckets the chart has
  function range() {
    var r = $('range').value, g = $('grain').value;
    var dateRange = r;
    if (r === '24h') {
      var now = new Date();
      var end = new Date(Math.ceil(now.getTime() / 3600000) * 3600000);
      dateRange = [new Date(end.getTime() - 24 * 3600000).toISOString(), end.toISOString()];
    }
    var grain = g !== 'auto' ? g : (r === 'day' || r === '24h' ? 'hour' : 'day');
    if (r === '12mo') grain = 'day'; // 8,760 hours is more than a chart can show (hour: at most 31 days, 800 buckets)
    return { date_range: dateRange, grain: grain, include: { bots: $('bots').checked } };
  }
  function buckets(from, to, grain) {
    var out = [], step = grain === 'hour' ? 3600000 : 86400000;
    var t = Math.floor(Date.parse(from) / step) * step, end = Date.parse(to);
    for (; t < end && out.length < 10000; t += step) {
      var iso = new Date(t).toISOString();
      out.push(grain === 'hour' ? iso.slice(0, 19) + 'Z' : iso.slice(0, 10));
    }
    return out;
  }

  function refresh() {
    if (!auth) return;
    if (auth.admin) {
      auth.tenant = $('tenant').value.trim() || null;
      who('admin');
      if (!auth.tenant) {
        state('Name a tenant (its oid UUID) to see its traffic.', true);
        return;
      }
    }
    clearTimeout(refreshTimer);
    var gen = ++generation, r = range();
    state('Loading…');
    var base = { date_range: r.date_range, include: r.include };
    // an answer that arrives after a newer refresh, a tenant change or a sign-out is dropped, never drawn
    function q(extra) {
      return query(Object.assign({}, base, extra)).then(function (j) {
        if (gen !== generation) throw Object.assign(new Error('stale'), { stale: true });
        return j;
      });
    }
    // in turn: the API answers at most api.maxConcurrentQueries at once for every user together
    var steps = [
      function () {
        return q({ metrics: ['visitors', 'visits', 'pageviews', 'events', 'bounce_rate'] }).then(function (j) {
          var m = (j.results[0] || { metrics: [0, 0, 0, 0, 0] }).metrics;
          ['visitors', 'visits', 'pageviews', 'events'].forEach(function (k, i) { $('m-' + k).textContent = num(m[i]); });
          $('m-bounce_rate').textContent = m[4] == null ? '–' : m[4] + '%';
          return j;
        });
      },
      function () {
        return q({ metrics: ['events', 'visitors'], dimensions: ['time:' + r.grain], pagination: { limit: r.grain === 'hour' ? 800 : 400 } })
          .then(function (j) { chart(j, r.grain); });
      }
    ].concat(TOPS.map(function (t) {
      return function () {
        return q({ metrics: t.metrics, dimensions: [t.dim], order_by: [[t.metrics[0], 'desc'], [t.metrics[1], 'desc']],
          filters: t.filters, pagination: { limit: 10 } }).then(function (j) { top(t, j); });
      };
    }));
    var chain = Promise.resolve();
    steps.forEach(function (s) {
      chain = chain.then(function () { if (gen === generation) return s(); });
    });
    chain.then(function () {
      if (gen !== generation) return;
      state('Updated ' + new Date().toLocaleTimeString());
      refreshTimer = setTimeout(refresh, 60000);
    }, function (e) {
      if (gen !== generation || e.stale) return;
      if (e.status === 401) { signOut(); $('signin-error').textContent = 'Signed out: ' + e.message; return; }
      state('Could not load: ' + e.message, true);
    });
  }
  function state(text, bad) {
    $('state').textContent = text;
    $('state').className = bad ? 'bad' : '';
  }

  // ---- the chart: events (line and area) and visitors (line) per bucket, zero where nothing happened
  function chart(j, grain) {
    var box = $('chart');
    box.textContent = '';
    var keys = buckets(j.query.date_range[0], j.query.date_range[1], grain);
    var ev = {}, vi = {};
    j.results.forEach(function (row) { ev[row.dimensions[0]] = row.metrics[0]; vi[row.dimensions[0]] = row.metrics[1]; });
    var W = 1000, H = 260, L = 48, R = 12, T = 22, B = 26;
    var s = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none', role: 'img',
      'aria-label': 'events and visitors per ' + grain });
    var max = 0;
    keys.forEach(function (k) { max = Math.max(max, ev[k] || 0, vi[k] || 0); });
    var step = nice(max / 4), top = Math.max(1, Math.ceil(max / step)) * step;
    function x(i) { return L + (keys.length < 2 ? 0 : i * (W - L - R) / (keys.length - 1)); }
    function y(v) { return T + (H - T - B) * (1 - v / top); }
    for (var v = 0; v <= top; v += step) {
      s.appendChild(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), 'class': 'grid' }));
      s.appendChild(svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', 'class': 'axis' }, short(v)));
    }
    var every = Math.max(1, Math.ceil(keys.length / 8));
    keys.forEach(function (k, i) {
      if (i % every) return;
      var label = grain === 'hour' ? k.slice(5, 10) + ' ' + k.slice(11, 16) : k.slice(5);
      s.appendChild(svg('text', { x: x(i), y: H - 8, 'text-anchor': i === 0 ? 'start' : i === keys.length - 1 ? 'end' : 'middle', 'class': 'axis' }, label));
    });
    if (max === 0) {
      s.appendChild(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', 'class': 'empty' }, 'No events in this range'));
    } else {
      var pe = keys.map(function (k, i) { return x(i) + ',' + y(ev[k] || 0); });
      var pv = keys.map(function (k, i) { return x(i) + ',' + y(vi[k] || 0); });
      s.appendChild(svg('polygon', { points: L + ',' + y(0) + ' ' + pe.join(' ') + ' ' + x(keys.length - 1) + ',' + y(0), 'class': 'area' }));
      s.appendChild(svg('polyline', { points: pe.join(' '), 'class': 'events' }));
      s.appendChild(svg('polyline', { points: pv.join(' '), 'class': 'visitors' }));
    }
    s.appendChild(svg('rect', { x: L, y: 4, width: 10, height: 10, 'class': 'legend-a' }));
    s.appendChild(svg('text', { x: L + 14, y: 13, 'class': 'axis' }, 'events'));
    s.appendChild(svg('rect', { x: L + 70, y: 4, width: 10, height: 10, 'class': 'legend-b' }));
    s.appendChild(svg('text', { x: L + 84, y: 13, 'class': 'axis' }, 'visitors'));
    box.appendChild(s);
    $('chart-title').textContent = 'Events and visitors per ' + grain + ' (UTC)';
  }
  // a round step (1, 2 or 5 times a power of ten, at least 1) near x
  function nice(x) {
    if (x <= 1) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(x))), m = x / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function short(v) {
    return v >= 1e6 ? (v / 1e6).toFixed(v % 1e6 ? 1 : 0) + 'M' : v >= 1e3 ? (v / 1e3).toFixed(v % 1e3 ? 1 : 0) + 'k' : String(Math.round(v));
  }

  // ---- a top-10 table, with a bar of its first metric
  function top(t, j) {
    var table = $('t-' + t.id);
    table.textContent = '';
    var head = el('tr');
    t.heads.forEach(function (h, i) { head.appendChild(el('th', h, i ? 'n' : null)); });
    table.appendChild(head);
    if (!j.results.length) {
      var tr = el('tr'), td = el('td', 'nothing in this range', 'none');
      td.colSpan = 3;
      tr.appendChild(td);
      table.appendChild(tr);
      return;
    }
    var max = j.results[0].metrics[0] || 1;
    j.results.forEach(function (row) {
      var tr = el('tr'), name = row.dimensions[0];
      var td = el('td', name == null ? '(none)' : String(name), name == null ? 'name none' : 'name');
      var bar = el('span', null, 'bar');
      bar.style.width = Math.round(100 * row.metrics[0] / max) + '%'; // CSSOM, which the page's CSP allows
      td.appendChild(bar);
      tr.appendChild(td);
      tr.appendChild(el('td', num(row.metrics[0]), 'n'));
      tr.appendChild(el('td', num(row.metrics[1]), 'n'));
      table.appendChild(tr);
    });
  }

  // ---- live: events accepted per second by this node, and its storage sessions, from /status every 2 s
  function startLive() {
    clearInterval(live.timer);
    live = { timer: null, last: null };
    poll();
    live.timer = setInterval(poll, 2000);
  }
  // Behind a load balancer consecutive polls may reach different nodes: a rate is only taken between two answers of
  // the same node run (its start time), never across a restart.
  function poll() {
    var mine = live;
    fetch('/status', { cache: 'no-store', credentials: 'omit' }).then(function (r) { return r.json(); }).then(function (s) {
      if (!auth || mine !== live) return; // signed out meanwhile
      var now = performance.now(), last = live.last;
      if (last && last.started === s.started && s.eventsAccepted >= last.count) {
        var rate = (s.eventsAccepted - last.count) / ((now - last.at) / 1000);
        $('m-live').textContent = rate < 10 ? rate.toFixed(1) : fmt.format(Math.round(rate));
      }
      live.last = { count: s.eventsAccepted, at: now, started: s.started };
      health(s);
    }, function () { if (auth && mine === live) $('m-live').textContent = 'unreachable'; });
  }
  function health(s) {
    $('node').textContent = 'tracker ' + s.version + ' · up ' + duration(s.uptimeSeconds) + ' · ' + num(s.connections)
      + ' connections · ' + num(s.walRowsOwed) + ' rows in the WAL not yet stored everywhere · '
      + num(s.eventsAccepted) + ' events accepted since start';
    var table = $('health');
    table.textContent = '';
    var head = el('tr');
    ['Session', 'State', 'Breaker', 'Queued rows', 'Queued', 'Spool', 'Dead letters', 'Lost', 'Last error'].forEach(function (h, i) {
      head.appendChild(el('th', h, i >= 3 && i <= 7 ? 'n' : null));
    });
    table.appendChild(head);
    (s.sessions || []).forEach(function (x) {
      var tr = el('tr');
      tr.appendChild(el('td', x.name));
      tr.appendChild(el('td', !x.open ? 'closed' : x.healthy ? 'healthy' : 'failing', x.open && x.healthy ? 'ok' : 'down'));
      tr.appendChild(el('td', x.breaker, x.breaker === 'closed' ? null : 'down'));
      tr.appendChild(el('td', num(x.queuedRows), 'n'));
      tr.appendChild(el('td', bytes(x.queuedBytes), 'n'));
      tr.appendChild(el('td', bytes(x.spoolBytes), 'n'));
      tr.appendChild(el('td', num(x.deadLetters), 'n'));
      tr.appendChild(el('td', num(x.rowsLost), 'n'));
      tr.appendChild(el('td', x.lastError || x.writerFailure || ''));
      table.appendChild(tr);
    });
  }
  function bytes(n) {
    return n >= 1 << 30 ? (n / (1 << 30)).toFixed(1) + ' GiB' : n >= 1 << 20 ? (n / (1 << 20)).toFixed(1) + ' MiB'
      : n >= 1024 ? (n / 1024).toFixed(1) + ' KiB' : n + ' B';
  }
  function duration(sec) {
    return sec >= 86400 ? Math.floor(sec / 86400) + 'd ' + Math.floor(sec % 86400 / 3600) + 'h'
      : sec >= 3600 ? Math.floor(sec / 3600) + 'h ' + Math.floor(sec % 3600 / 60) + 'm' : Math.floor(sec / 60) + 'm ' + sec % 60 + 's';
  }

  $('kind').addEventListener('change', showKind);
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  $('refresh').addEventListener('click', refresh);
  ['range', 'grain', 'bots'].forEach(function (id) { $(id).addEventListener('change', refresh); });
  $('tenant').addEventListener('change', refresh);
  showKind();
}());
