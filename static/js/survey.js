/* Survey pages: show and hide questions whose condition reads an answer on the
 * same page, as surveys/answers.py condition_holds does on the server.
 *
 * Progressive enhancement only: without this script every question shows and
 * the server drops the answers of hidden questions. Hidden questions get the
 * `hidden` attribute and disabled inputs, so their answers are not sent.
 * No dependencies.
 */
(function () {
  "use strict";

  var INTEGER = /^[+-]?\d+$/;
  var DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

  function isEmpty(value) {
    if (value === null || value === undefined || value === "") return true;
    if (Array.isArray(value)) return value.length === 0;
    if (typeof value === "object") return Object.keys(value).length === 0;
    return false;
  }

  // Python's ==: numbers and booleans compare by value, lists and objects deeply.
  function equal(a, b) {
    var scalar = { number: true, boolean: true };
    if (scalar[typeof a] && scalar[typeof b]) return Number(a) === Number(b);
    if (Array.isArray(a) || Array.isArray(b)) {
      if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
      return a.every(function (item, i) { return equal(item, b[i]); });
    }
    if (a && b && typeof a === "object" && typeof b === "object") {
      var keys = Object.keys(a);
      if (keys.length !== Object.keys(b).length) return false;
      return keys.every(function (key) { return key in b && equal(a[key], b[key]); });
    }
    return a === b;
  }

  function holds(condition, answers) {
    if (!condition) return true;
    if (condition.all) return condition.all.every(function (part) { return holds(part, answers); });
    if (condition.any) return condition.any.some(function (part) { return holds(part, answers); });
    if ("not" in condition) return !holds(condition.not, answers);
    var op = condition.op;
    var answer = answers[condition.question];
    if (isEmpty(answer)) return op === "not_equals" || op === "not_in";
    if (op === "answered") return true;
    var value = condition.value;
    var inList = function () { return value.some(function (item) { return equal(answer, item); }); };
    switch (op) {
      case "equals": return equal(answer, value);
      case "not_equals": return !equal(answer, value);
      case "in": return inList();
      case "not_in": return !inList();
      case "contains":
        if (Array.isArray(answer)) return answer.some(function (item) { return equal(item, value); });
        if (typeof answer === "object") return Object.prototype.hasOwnProperty.call(answer, value);
        return typeof answer === "string" && answer.toLowerCase().indexOf(String(value).toLowerCase()) !== -1;
    }
    if (typeof answer !== "number") return false;
    if (op === "gt") return answer > value;
    if (op === "gte") return answer >= value;
    if (op === "lt") return answer < value;
    if (op === "lte") return answer <= value;
    return false;
  }

  // The answer a question's inputs hold, typed as surveys/forms.py types it.
  function valueOf(box) {
    var code = box.dataset.question;
    var type = box.dataset.type;
    var enabled = function (el) { return !el.disabled; };
    var named = Array.prototype.filter.call(box.querySelectorAll("[name]"), enabled);
    var own = named.filter(function (el) { return el.name === code; });
    var checked = own.filter(function (el) { return el.checked; }).map(function (el) { return el.value; });
    var text = own.length ? own[0].value.trim() : "";
    switch (type) {
      case "single_choice": return checked[0] || null;
      case "multiple_choice": return checked.length ? checked : null;
      case "boolean": return checked.length ? checked[0] === "true" : null;
      case "likert": return checked.length ? parseInt(checked[0], 10) : null;
      case "number":
        if (!text) return null;
        var candidate = (text.split(",").length === 2 && text.indexOf(".") === -1) ? text.replace(",", ".") : text;
        return (INTEGER.test(candidate) || DECIMAL.test(candidate)) && isFinite(Number(candidate)) ? Number(candidate) : text;
      case "ranking":
        var ranked = named.filter(function (el) { return el.name.indexOf(code + ".") === 0 && el.value; })
          .map(function (el) { return el.value; });
        return ranked.length ? ranked : null;
      case "matrix":
        var cells = {};
        named.forEach(function (el) {
          if (el.name.indexOf(code + ".") === 0 && el.checked) cells[el.name.slice(code.length + 1)] = el.value;
        });
        return Object.keys(cells).length ? cells : null;
      default: return text || null;
    }
  }

  function show(element, shown) {
    element.hidden = !shown;
    Array.prototype.forEach.call(element.querySelectorAll("input, select, textarea"), function (input) {
      input.disabled = !shown;
    });
  }

  function init(form) {
    var knownNode = document.getElementById("survey-known");
    var known = knownNode ? JSON.parse(knownNode.textContent) || {} : {};
    var boxes = Array.prototype.slice.call(form.querySelectorAll("[data-question]"));
    var dynamic = boxes.some(function (box) { return box.dataset.condition || box.dataset.rowsFrom; });
    var conditions = new Map();

    function refresh() {
      // In page order, so that a hidden question's answer counts as not given.
      var answers = Object.assign({}, known);
      boxes.forEach(function (box) {
        var shown = true;
        if (box.dataset.condition) {
          if (!conditions.has(box)) conditions.set(box, JSON.parse(box.dataset.condition));
          shown = holds(conditions.get(box), answers);
        }
        var rows = box.dataset.rowsFrom ? box.querySelectorAll("[data-row]") : [];
        var picked = answers[box.dataset.rowsFrom];
        picked = Array.isArray(picked) ? picked : [];
        if (box.dataset.rowsFrom) {
          shown = shown && Array.prototype.some.call(rows, function (row) { return picked.indexOf(row.dataset.row) !== -1; });
        }
        show(box, shown);
        Array.prototype.forEach.call(rows, function (row) {
          show(row, shown && picked.indexOf(row.dataset.row) !== -1);
        });
        var value = shown ? valueOf(box) : null;
        if (isEmpty(value)) delete answers[box.dataset.question];
        else answers[box.dataset.question] = value;
      });
    }

    if (dynamic) {
      form.addEventListener("input", refresh);
      form.addEventListener("change", refresh);
      refresh();
    }

    // A preview saves nothing: keep Enter from submitting its form.
    if (form.hasAttribute("data-preview")) {
      form.addEventListener("submit", function (event) { event.preventDefault(); });
    }

    // Save the page before a language switch, so that nothing typed is lost.
    var language = document.querySelector("form.lang-switch");
    if (language && !form.hasAttribute("data-preview") && window.fetch && window.FormData) {
      language.addEventListener("submit", function (event) {
        event.preventDefault();
        var data = new FormData(form);
        data.set("action", "autosave");
        fetch(form.getAttribute("action") || window.location.href, {
          method: "POST", body: data, credentials: "same-origin"
        }).catch(function () { return null; }).then(function () { language.submit(); });
      });
    }
  }

  function start() {
    var form = document.querySelector("form[data-survey-form]");
    if (form) init(form);
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  // Exposed for the parity test with surveys/answers.py (tests/surveys/test_forms.py).
  window.MLOpsSurvey = { holds: holds, isEmpty: isEmpty };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
