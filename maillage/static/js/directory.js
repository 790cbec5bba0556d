/* Directory: commune autocomplete (API /api/v1/communes/?q=) and Leaflet maps. No build step. */
(function () {
  "use strict";

  function setupAutocomplete() {
    var input = document.querySelector("input[data-communes-api]");
    if (!input) return;
    var list = document.getElementById(input.getAttribute("list"));
    var hidden = input.form ? input.form.querySelector("input[name=insee]") : null;
    var timer = null;
    var known = {};
    input.addEventListener("input", function () {
      if (hidden && !known[input.value]) hidden.value = "";
      if (hidden && known[input.value]) hidden.value = known[input.value];
      var q = input.value.trim();
      if (q.length < 2 || known[input.value]) return;
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(input.dataset.communesApi + "?q=" + encodeURIComponent(q), {
          headers: { Accept: "application/json" },
        })
          .then(function (r) { return r.ok ? r.json() : { results: [] }; })
          .then(function (data) {
            var rows = data.results || data;
            list.innerHTML = "";
            rows.slice(0, 10).forEach(function (c) {
              var label = c.name + " (" + ((c.postal_codes && c.postal_codes[0]) || c.code) + ")";
              known[label] = c.code;
              var option = document.createElement("option");
              option.value = label;
              list.appendChild(option);
            });
          })
          .catch(function () { /* the server resolves the text anyway */ });
      }, 200);
    });
  }

  function icon(item) {
    var cls = item.childminder ? "dir-marker dir-marker-am" : "dir-marker dir-marker-structure";
    return L.divIcon({
      className: cls,
      html: "<span aria-hidden=\"true\">" + (item.childminder ? "AM" : "●") + "</span>",
      iconSize: [26, 26],
      iconAnchor: [13, 13],
    });
  }

  function escapeHtml(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function setupMap(element) {
    var source = document.getElementById(element.dataset.mapSource);
    if (!source || typeof L === "undefined") return;
    var data = JSON.parse(source.textContent);
    var map = L.map(element, { scrollWheelZoom: false, maxZoom: 18, minZoom: 3 });
    // vector layers need a view before they are added
    map.setView(data.centre || [46.6, 2.4], data.centre ? 11 : 5);
    if (data.tiles && data.tiles.url) {
      L.tileLayer(data.tiles.url, { attribution: data.tiles.attribution, maxZoom: 19 }).addTo(map);
    }
    var bounds = [];
    if (data.outlines && data.outlines.length) {
      var outlines = L.geoJSON(
        { type: "FeatureCollection", features: data.outlines },
        { style: { color: "#1b4f72", weight: 1.5, fillOpacity: 0.05 }, interactive: false }
      ).addTo(map);
      var b = outlines.getBounds();
      if (b.isValid()) bounds.push(b.getSouthWest(), b.getNorthEast());
    }
    if (data.centre && data.radius_km) {
      L.circle(data.centre, {
        radius: data.radius_km * 1000, color: "#b3541e", weight: 1, fill: false, interactive: false,
      }).addTo(map);
    }
    var group = L.markerClusterGroup ? L.markerClusterGroup({ maxClusterRadius: 40 }) : L.layerGroup();
    addMarkers(group, data.items, bounds);
    group.addTo(map);
    if (bounds.length) {
      map.fitBounds(L.latLngBounds(bounds), { padding: [20, 20], maxZoom: 14 });
    }
    maps[element.id] = group;
    element.classList.add("directory-map-ready");
  }

  var maps = {};

  function addMarkers(group, items, bounds) {
    items.forEach(function (item) {
      if (item.lat == null || item.lon == null) return;
      var title = item.name + " — " + item.kind + (item.approximate ? " (position approximative)" : "");
      var marker = L.marker([item.lat, item.lon], { icon: icon(item), title: title, alt: title, keyboard: true });
      var html = "<strong>" + escapeHtml(item.name) + "</strong><br>" + escapeHtml(item.kind);
      if (item.distance_km != null) html += " · " + String(item.distance_km).replace(".", ",") + " km";
      if (item.approximate) html += " ≈";
      if (item.url) html += "<br><a href=\"" + item.url + "\">Voir la fiche</a>";
      marker.bindPopup(html);
      group.addLayer(marker);
      bounds.push(L.latLng(item.lat, item.lon));
    });
  }

  // « Voir plus de résultats » (htmx): the new rows are appended to the list; their markers come
  // out of band in #carte-resultats-plus-data and join the map; the focus moves to the first new
  // row (the button that had it is replaced).
  var firstNew = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var next = event.detail.elt && event.detail.elt.dataset ? event.detail.elt.dataset.resultsNext : null;
    if (next) firstNew = next;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var source = document.getElementById("carte-resultats-plus-data");
    if (source) {
      var group = maps["carte-resultats"];
      if (group) addMarkers(group, JSON.parse(source.textContent), []);
      source.remove();
    }
    if (firstNew) {
      var row = document.getElementById(firstNew);
      firstNew = null;
      if (row) row.focus();
    }
  });

  function init() {
    setupAutocomplete();
    document.querySelectorAll(".directory-map").forEach(setupMap);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
