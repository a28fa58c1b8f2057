/* The sample browser of evalflow's HTML report: reads the embedded JSON (script#report-data) and builds rows with textContent only (no HTML from data). */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var rows = data.rows, prompts = data.prompts, tasks = data.tasks;
  var state = { filter: 'all', task: -1, query: '', page: 0, size: 50 };
  var hay = new Array(rows.length);
  var matching = [];
  var tbody = document.querySelector('#sample-table tbody');
  var countEl = document.getElementById('sample-count');
  var pageInfo = document.getElementById('page-info');

  function haystack(i) {
    if (hay[i] === undefined) {
      var r = rows[i];
      hay[i] = [r.sample, r.subset || '', prompts[r.prompt], r.response, r.reasoning || '', r.predicted || '', r.expected, r.judge_response || '', r.judge_error || ''].join('\n').toLowerCase();
    }
    return hay[i];
  }
  var tests = {
    all: function () { return true; },
    wrong: function (r) { return r.correct === false && r.predicted !== null; },
    'no-answer': function (r) { return r.correct === false && r.predicted === null; },
    'judge-error': function (r) { return r.judge_error !== null; },
    length: function (r) { return r.finish_reason === 'length'; }
  };
  var names = Object.keys(tests);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }
  function snippet(text) {
    var one = text.replace(/\s+/g, ' ').trim();
    return one.length > 140 ? one.slice(0, 139) + '…' : one || '(empty)';
  }
  function collapsible(summaryText, bodyText, cls) {
    var d = el('details', cls);
    d.appendChild(el('summary', null, summaryText));
    d.appendChild(el('pre', null, bodyText));
    return d;
  }

  function recompute() {
    var q = state.query.toLowerCase();
    var counts = {};
    names.forEach(function (n) { counts[n] = 0; });
    matching = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (state.task >= 0 && r.task !== state.task) continue;
      if (q && haystack(i).indexOf(q) < 0) continue;
      for (var k = 0; k < names.length; k++) if (tests[names[k]](r)) counts[names[k]]++;
      if (tests[state.filter](r)) matching.push(i);
    }
    document.querySelectorAll('button.filter').forEach(function (b) {
      var f = b.getAttribute('data-filter');
      b.setAttribute('aria-pressed', String(f === state.filter));
      b.querySelector('.n').textContent = '(' + counts[f].toLocaleString('en-US') + ')';
    });
    countEl.setAttribute('data-matching', String(matching.length));
    countEl.textContent = matching.length.toLocaleString('en-US') + ' of ' + rows.length.toLocaleString('en-US') + ' rows';
    state.page = Math.min(state.page, Math.max(0, Math.ceil(matching.length / state.size) - 1));
    renderPage();
  }

  function renderPage() {
    var pages = Math.max(1, Math.ceil(matching.length / state.size));
    var start = state.page * state.size;
    var frag = document.createDocumentFragment();
    matching.slice(start, start + state.size).forEach(function (i) {
      var r = rows[i];
      var tr = el('tr', 'sample-row');
      tr.setAttribute('data-row', String(i));
      tr.appendChild(el('td', null, tasks[r.task].name));
      tr.appendChild(el('td', null, r.sample + ' #' + r.repeat + (r.subset ? ' · ' + r.subset : '')));
      var p = el('td');
      p.appendChild(collapsible(snippet(prompts[r.prompt]), prompts[r.prompt], 'prompt'));
      tr.appendChild(p);
      var resp = el('td');
      var rd = collapsible(snippet(r.response), r.response, 'response');
      if (r.reasoning !== null) {
        rd.insertBefore(collapsible('reasoning (' + r.reasoning.length.toLocaleString('en-US') + ' chars)', r.reasoning, 'reasoning'), rd.children[1]);
      }
      resp.appendChild(rd);
      if (r.truncated) resp.appendChild(el('span', 'cut', 'text cut at ' + data.text_cap.toLocaleString('en-US') + ' chars'));
      tr.appendChild(resp);
      tr.appendChild(el('td', r.predicted === null ? 'muted' : null, r.predicted === null ? '(none)' : r.predicted));
      tr.appendChild(el('td', null, r.expected));
      var c = r.judge_error !== null ? el('td', 'bad', 'judge error') : r.correct === null ? el('td', 'muted', 'not scored') : el('td', r.correct ? 'ok' : 'bad', r.correct ? '✓' : '✗');
      tr.appendChild(c);
      var j = el('td');
      if (r.judge_error !== null) j.appendChild(el('div', 'bad', r.judge_error));
      else if (r.judge !== null) j.appendChild(el('div', r.judge === 'correct' ? 'ok' : 'bad', r.judge));
      if (r.judge_response !== null) j.appendChild(collapsible('judge reply', r.judge_response, 'judge'));
      tr.appendChild(j);
      tr.appendChild(el('td', 'num', (r.finish_reason || '?') + ' · ' + (r.tokens === null ? '?' : r.tokens) + ' · ' + (r.cached ? 'cached' : r.latency_ms)));
      frag.appendChild(tr);
    });
    tbody.replaceChildren(frag);
    pageInfo.textContent = 'page ' + (state.page + 1) + ' of ' + pages;
    document.getElementById('page-prev').disabled = state.page === 0;
    document.getElementById('page-next').disabled = state.page >= pages - 1;
  }

  document.querySelectorAll('button.filter').forEach(function (b) {
    b.addEventListener('click', function () { state.filter = b.getAttribute('data-filter'); state.page = 0; recompute(); });
  });
  document.getElementById('sample-task').addEventListener('change', function (e) { state.task = Number(e.target.value); state.page = 0; recompute(); });
  var timer = null;
  document.getElementById('sample-search').addEventListener('input', function (e) {
    clearTimeout(timer);
    var v = e.target.value;
    timer = setTimeout(function () { state.query = v; state.page = 0; recompute(); }, 200);
  });
  document.getElementById('page-prev').addEventListener('click', function () { state.page = Math.max(0, state.page - 1); renderPage(); });
  document.getElementById('page-next').addEventListener('click', function () { state.page++; renderPage(); });
  document.getElementById('page-size').addEventListener('change', function (e) { state.size = Number(e.target.value); state.page = 0; recompute(); });
  recompute();
})();
