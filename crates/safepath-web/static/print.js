// "Print" buttons (data-print): shown only where script runs, they open the
// browser's print dialog; the print stylesheet in app.css leaves out the
// menu, forms and buttons, so the paper (or PDF) holds the page's content.
(function () {
  'use strict';
  var wire = function () {
    Array.prototype.forEach.call(document.querySelectorAll('[data-print]'), function (b) {
      b.hidden = false;
      b.addEventListener('click', function () { window.print(); });
    });
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wire);
  else wire();
})();
