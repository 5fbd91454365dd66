// The runs list: filters submit on change, Compare needs exactly two runs ticked, and the
// list reloads every 5 s while a run is live.
(function (pd) {
  'use strict';
  if (!pd) return;
  pd.pages.runs = function () {
    document.querySelectorAll('select[data-filter]').forEach(function (s) { s.addEventListener('change', function () { s.form.submit(); }); });
    var form = document.querySelector('[data-compare-form]');
    if (form) {
      var btn = form.querySelector('[data-action="compare"]');
      var boxes = form.querySelectorAll('input[name="run"]');
      var sync = function () { var n = 0; boxes.forEach(function (b) { if (b.checked) n++; }); btn.disabled = n !== 2; };
      boxes.forEach(function (b) { b.addEventListener('change', sync); });
      sync();
    }
    if (pd.data.live > 0) setTimeout(function () { location.reload(); }, 5000);
  };
})(window.pd);
