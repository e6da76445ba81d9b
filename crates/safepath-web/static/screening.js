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

// One step of the journey at a time on the questions page: "Step 3 of 7",
// Back and Next, the button that evaluates on the last step. Without
// script the form is one long page and works the same.
(function () {
  'use strict';
  var form = document.querySelector('form[data-step-of]');
  if (!form) return;
  var steps = Array.prototype.slice.call(form.querySelectorAll('section.stage'));
  var submit = form.querySelector('button[type=submit]');
  if (steps.length < 2 || !submit) return;
  var make = function (tag, id, cls) {
    var el = document.createElement(tag);
    el.id = id;
    el.className = cls;
    return el;
  };
  var progress = make('p', 'step-progress', 'step-progress');
  progress.setAttribute('aria-live', 'polite');
  var bar = make('progress', 'step-bar', 'step-bar');
  bar.max = steps.length;
  bar.setAttribute('aria-hidden', 'true');
  form.insertBefore(progress, steps[0]);
  form.insertBefore(bar, steps[0]);
  var nav = make('div', 'step-nav', 'step-nav');
  var button = function (id, text, cls) {
    var b = make('button', id, cls);
    b.type = 'button';
    b.textContent = text;
    nav.appendChild(b);
    return b;
  };
  var back = button('step-back', form.getAttribute('data-back'), 'secondary');
  var next = button('step-next', form.getAttribute('data-next'), '');
  submit.parentNode.insertBefore(nav, submit);
  var current = 0;
  var show = function (i, focus) {
    current = i;
    steps.forEach(function (s, k) { s.hidden = k !== i; });
    var heading = steps[i].querySelector('h2');
    progress.textContent = form.getAttribute('data-step-of')
      .replace('{n}', String(i + 1)).replace('{m}', String(steps.length));
    bar.value = i + 1;
    back.hidden = i === 0;
    next.hidden = i === steps.length - 1;
    submit.hidden = i !== steps.length - 1;
    if (focus && heading) {
      heading.tabIndex = -1;
      heading.focus();
      progress.scrollIntoView();
    }
  };
  back.addEventListener('click', function () { show(current - 1, true); });
  next.addEventListener('click', function () { show(current + 1, true); });
  show(0, false);
})();
