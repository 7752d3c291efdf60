// Renders /docs/openapi.json: one section per tag, one entry per operation (method, path, summary, security,
// parameters, request body type). Text only (textContent), no HTML from the document.
(function () {
  function el(tag, text, style) {
    var e = document.createElement(tag);
    if (text != null) e.textContent = text;
    if (style) e.setAttribute('data-s', style);
    return e;
  }
  fetch('/docs/openapi.json').then(function (r) { return r.json(); }).then(function (doc) {
    var main = document.getElementById('doc');
    main.textContent = '';
    main.appendChild(el('h1', doc.info.title + ' ' + doc.info.version));
    main.appendChild(el('p', doc.info.description));
    var byTag = {};
    Object.keys(doc.paths).forEach(function (path) {
      var item = doc.paths[path];
      Object.keys(item).forEach(function (method) {
        if (method.indexOf('x-') === 0) return;
        var op = item[method], tag = (op.tags || ['other'])[0];
        (byTag[tag] = byTag[tag] || []).push({ path: path, method: method, op: op });
      });
    });
    (doc.tags || []).forEach(function (t) {
      var ops = byTag[t.name];
      if (!ops) return;
      main.appendChild(el('h2', t.name));
      ops.forEach(function (o) {
        var d = el('details');
        var s = el('summary');
        s.appendChild(el('code', o.method.toUpperCase() + ' ' + o.path));
        s.appendChild(document.createTextNode(' — ' + o.op.summary));
        d.appendChild(s);
        var sec = (o.op.security || []).map(function (x) { return Object.keys(x)[0]; });
        d.appendChild(el('p', 'Credentials: ' + (sec.length ? sec.join(' or ') : 'none')));
        (o.op.parameters || []).forEach(function (p) {
          d.appendChild(el('p', p.in + ' ' + p.name + (p.required ? ' (required)' : '') + ': ' + (p.description || '')));
        });
        if (o.op.requestBody) d.appendChild(el('p', 'Body: ' + Object.keys(o.op.requestBody.content).join(', ')));
        d.appendChild(el('p', 'Answers: ' + Object.keys(o.op.responses).join(', ')));
        main.appendChild(d);
      });
    });
  }).catch(function (e) {
    document.getElementById('doc').appendChild(el('p', 'cannot load the document: ' + e));
  });
})();
