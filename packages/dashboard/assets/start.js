// Last of the client script's files: runs the page its data names (run.js, runs.js,
// compare.js register theirs); a page drawn wholly on the server (campaign, errors) is ready.
(function (pd) {
  'use strict';
  if (!pd) return;
  var page = pd.pages[pd.data.page];
  if (page) page(); else pd.ready();
})(window.pd);
