// The run page's "Steer this drill" buttons (pages/control.ts): each sends one command to the
// dashboard, which forwards it to the drill's control API. The answer (or the refusal) is shown
// as text; nothing from the server becomes markup.
(function () {
  'use strict';
  var card = document.querySelector('[data-testid="control"]');
  if (!card) return;
  var api = card.getAttribute('data-control-api');
  var status = card.querySelector('[data-control-status]');
  var input = card.querySelector('[data-control-value]');
  function say(s, bad) { status.textContent = s; status.classList.toggle('bad', !!bad); }
  function show(state) {
    if (state && typeof state.level === 'number') {
      say('level now ' + state.level + ' ' + state.unit + ' · ' + state.changes.length + ' change' + (state.changes.length === 1 ? '' : 's') + ' so far');
      if (input && input.value === '') input.value = String(Math.round(state.level));
    }
  }
  fetch(api, { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (j) {
    if (j && j.steerable === false) {
      say(j.message, true);
      card.querySelectorAll('button, input').forEach(function (el) { el.disabled = true; });
    } else show(j);
  }).catch(function () { say('live control is not reachable', true); });
  card.addEventListener('click', function (ev) {
    var b = ev.target.closest('button[data-control]');
    if (!b) return;
    var command = b.getAttribute('data-control');
    var body = { command: command };
    if (command === 'rate') {
      var v = Number(input.value);
      if (input.value === '' || !isFinite(v) || v < 0) { say('enter a level ≥ 0 first', true); return; }
      body.value = v;
    }
    if (command === 'step') body.percent = Number(b.getAttribute('data-percent'));
    if (command === 'stop' && !window.confirm('Stop this drill now?')) return;
    say('sending ' + command + '…');
    fetch(api, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (x) {
        if (!x.ok) { say((x.j && x.j.message) || 'refused', true); return; }
        var rec = x.j;
        card.setAttribute('data-control-last', command);
        say(command + (rec.level !== undefined ? ' → ' + rec.level + ' ' + rec.unit : '') + ' from t=' + rec.atS + ' s' + (rec.capped ? ' (' + rec.capped + ')' : ''));
      })
      .catch(function () { say('the change did not reach the drill', true); });
  });
})();
