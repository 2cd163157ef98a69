// highport report: the script inlined into every report (cmake/EmbedAssets.cmake).
// Three small things, no library: the theme toggle, sortable tables and the
// table filter. It stores nothing (no cookies, no localStorage) and makes no request.
(function () {
  'use strict';
  var root = document.documentElement;

  // Theme: the system's preference until the button is pressed, then the button's choice
  // for as long as the page is open.
  var toggle = document.getElementById('theme-toggle');
  var systemDark = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;
  function isDark() {
    if (root.dataset.theme) return root.dataset.theme === 'dark';
    return !!(systemDark && systemDark.matches);
  }
  function showTheme() {
    if (!toggle) return;
    toggle.textContent = isDark() ? 'Light theme' : 'Dark theme';
    toggle.setAttribute('aria-pressed', String(isDark()));
  }
  if (toggle) {
    toggle.addEventListener('click', function () {
      root.dataset.theme = isDark() ? 'light' : 'dark';
      showTheme();
    });
  }
  if (systemDark && systemDark.addEventListener) systemDark.addEventListener('change', showTheme);
  showTheme();

  // Sorting: a click on a header with data-sort sorts by that column; a second click reverses.
  // A cell's data-value is its sort key where the text is not (addresses, ports).
  function cellKey(row, column, numeric) {
    var cell = row.cells[column];
    if (!cell) return numeric ? 0 : '';
    var value = cell.hasAttribute('data-value') ? cell.getAttribute('data-value') : cell.textContent;
    if (numeric) {
      var n = parseFloat(value);
      return isNaN(n) ? 0 : n;
    }
    return value.trim().toLowerCase();
  }
  function sortTable(table, header) {
    var column = header.cellIndex;
    var numeric = header.getAttribute('data-sort') === 'num';
    var ascending = header.getAttribute('aria-sort') !== 'ascending';
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var keyed = rows.map(function (row, index) {
      return { row: row, key: cellKey(row, column, numeric), index: index };
    });
    keyed.sort(function (a, b) {
      var order = a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index;
      return ascending ? order : -order;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (k) { fragment.appendChild(k.row); });
    body.appendChild(fragment);
    Array.prototype.forEach.call(header.parentNode.cells, function (th) { th.removeAttribute('aria-sort'); });
    header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
  }
  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
    Array.prototype.forEach.call(table.querySelectorAll('thead th[data-sort]'), function (header) {
      header.tabIndex = 0;
      header.addEventListener('click', function () { sortTable(table, header); });
      header.addEventListener('keydown', function (event) {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          sortTable(table, header);
        }
      });
    });
  });

  // Filtering: rows whose text does not contain every word typed are hidden.
  Array.prototype.forEach.call(document.querySelectorAll('input[data-filter-for]'), function (input) {
    var table = document.getElementById(input.getAttribute('data-filter-for'));
    if (!table) return;
    var counter = document.getElementById(table.id + '-count');
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var rows = table.tBodies[0].rows;
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var text = rows[i].textContent.toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        rows[i].hidden = !match;
        if (match) shown++;
      }
      if (counter) counter.textContent = words.length ? shown + ' of ' + rows.length + ' rows' : '';
    }
    input.addEventListener('input', apply);
    apply();
  });
})();
