// Progressive enhancement for the screening form (the form works without it).
// With a poor connection the draft stays in this browser and is sent when the
// connection returns; once a screening is stored, the draft is erased, so no
// personal data remains in the browser after submission.
(function () {
  'use strict';
  var KEY = 'safepath-screening-draft';
  var store;
  try { store = window.localStorage; } catch (e) { return; }
  if (document.querySelector('[data-clear-draft]')) { store.removeItem(KEY); return; }
  var form = document.querySelector('form[data-draft]');
  if (!form) return;
  var step = form.getAttribute('data-draft');
  var fields = function () {
    return Array.prototype.filter.call(form.elements, function (el) { return el.name && el.type !== 'hidden' && el.type !== 'submit'; });
  };
  var save = function () {
    var values = {};
    fields().forEach(function (el) {
      if ((el.type === 'radio' || el.type === 'checkbox')) { if (el.checked) values[el.name + '=' + el.value] = true; }
      else values[el.name] = el.value;
    });
    store.setItem(KEY, JSON.stringify({ step: step, values: values }));
  };
  try {
    var draft = JSON.parse(store.getItem(KEY) || 'null');
    if (draft && draft.step === step) {
      fields().forEach(function (el) {
        if (el.type === 'radio' || el.type === 'checkbox') el.checked = !!draft.values[el.name + '=' + el.value];
        else if (draft.values[el.name] !== undefined) el.value = draft.values[el.name];
      });
    }
  } catch (e) { store.removeItem(KEY); }
  form.addEventListener('change', save);
  form.addEventListener('input', save);
  var status = document.getElementById('draft-status');
  form.addEventListener('submit', function (ev) {
    save();
    if (navigator.onLine === false) {
      ev.preventDefault();
      if (status) status.textContent = status.getAttribute('data-offline') || 'No connection: the answers are kept on this phone and will be sent when the connection returns.';
      window.addEventListener('online', function () { form.submit(); }, { once: true });
    }
  });
})();
