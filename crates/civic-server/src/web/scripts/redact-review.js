// Progressive enhancement of the Redaction review page: selecting text in
// the document copies it into "Text to redact", so the reviewer only
// chooses a label and selects "Add". Without it the form works as typed.
(function () {
  var doc = document.getElementById('document');
  var field = document.getElementById('find-text');
  var status = document.getElementById('selection-status');
  if (!doc || !field || !status || !window.getSelection) { return; }
  var hints = document.querySelectorAll('.civic-js-only');
  for (var i = 0; i < hints.length; i++) { hints[i].hidden = false; }
  function take() {
    var sel = window.getSelection();
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) { return; }
    if (!doc.contains(sel.getRangeAt(0).commonAncestorContainer)) { return; }
    var text = sel.toString().replace(/\s+/g, ' ').trim();
    if (!text || text.length > 500) { return; }
    field.value = text;
    status.textContent = 'Copied your selection into “Text to redact”. Choose what it is, then select “Add”.';
  }
  doc.addEventListener('mouseup', take);
  doc.addEventListener('keyup', take);
})();
