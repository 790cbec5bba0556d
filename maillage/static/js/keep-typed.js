/* Nothing typed is lost when the server refuses a request as too large (French 400 page):
 * the texts of a form are kept in this tab's sessionStorage when it is sent, and put back in the
 * form when the person comes back to it from the refusal page. A successful send forgets them. */
(function () {
  "use strict";
  var SAVED = "maillage:typed";
  var RESTORE = "maillage:typed-restore";
  var store;
  try {
    store = window.sessionStorage;
  } catch (error) {
    return;
  }
  if (!store) {
    return;
  }

  function here() {
    return window.location.pathname + window.location.search;
  }

  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      store.removeItem(RESTORE);
      if (!form || (form.getAttribute("method") || "").toLowerCase() !== "post") {
        return;
      }
      var fields = {};
      var count = 0;
      form.querySelectorAll("textarea[name], input[type=text][name]").forEach(function (field) {
        if (field.value) {
          fields[field.name] = field.value;
          count += 1;
        }
      });
      if (!count) {
        return;
      }
      try {
        store.setItem(
          SAVED,
          JSON.stringify({ page: here(), action: form.getAttribute("action") || "", fields: fields })
        );
      } catch (error) {
        store.removeItem(SAVED); /* quota exceeded: nothing half-saved */
      }
    },
    true
  );

  function restore() {
    var notice = document.querySelector("[data-typed-kept]");
    var raw = store.getItem(SAVED);
    if (notice) {
      /* The refusal page: say that the text is kept, and put it back on the way back. */
      if (raw) {
        store.setItem(RESTORE, "1");
        notice.hidden = false;
      }
      return;
    }
    if (!raw) {
      return;
    }
    if (store.getItem(RESTORE) !== "1") {
      store.removeItem(SAVED); /* the previous send went through */
      return;
    }
    var saved;
    try {
      saved = JSON.parse(raw);
    } catch (error) {
      store.removeItem(SAVED);
      return;
    }
    if (saved.page !== here()) {
      return; /* kept until the person is back on the form's page */
    }
    store.removeItem(SAVED);
    store.removeItem(RESTORE);
    var forms = Array.prototype.filter.call(document.querySelectorAll("form"), function (form) {
      return (form.getAttribute("action") || "") === saved.action;
    });
    forms.forEach(function (form) {
      var restored = false;
      Object.keys(saved.fields).forEach(function (name) {
        var field = form.querySelector('[name="' + name.replace(/"/g, "") + '"]');
        if (field && (field.tagName === "TEXTAREA" || field.type === "text")) {
          field.value = saved.fields[name];
          restored = true;
        }
      });
      if (restored) {
        var message = document.createElement("div");
        message.className = "alert alert-info";
        message.setAttribute("role", "status");
        message.textContent =
          "Votre saisie précédente a été remise dans le formulaire : vérifiez-la " +
          "(raccourcissez les textes trop longs) avant d'envoyer à nouveau.";
        form.parentNode.insertBefore(message, form);
      }
    });
  }

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      /* Back from the refusal page with the page kept by the browser: the text is still there. */
      store.removeItem(SAVED);
      store.removeItem(RESTORE);
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restore);
  } else {
    restore();
  }
})();
