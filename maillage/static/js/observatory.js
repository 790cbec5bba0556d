/* Observatory map: commune choropleth (when contours exist) and structures by theme.
   No build step; Leaflet is vendored. Every information of the map is also listed in the page. */
(function () {
  "use strict";

  function init() {
    var element = document.getElementById("carte-observatoire");
    if (!element || typeof L === "undefined") { return; }
    var map = L.map(element, { scrollWheelZoom: false, zoomSnap: 0.25 });
    var tiles = element.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, { attribution: element.dataset.attribution || "", maxZoom: 18 }).addTo(map);
    }
    var layers = {};
    var bounds = L.latLngBounds([]);

    function text(value) {
      var span = document.createElement("span");
      span.textContent = value;
      return span.innerHTML;
    }

    fetch(element.dataset.geojson, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        data.features.forEach(function (feature) {
          var p = feature.properties;
          if (p.layer === "commune") {
            var rate = p.rate === null ? "n.d." : String(p.rate).replace(".", ",");
            var shape = L.geoJSON(feature, {
              style: p.no_data ? { color: "#333", weight: 2, dashArray: "4 4", fillColor: "#ffffff", fillOpacity: 0.9 } : { color: "#333", weight: 1, fillColor: p.fill, fillOpacity: 0.75 },
              pointToLayer: function (f, latlng) {
                return L.circleMarker(latlng, { radius: 10, color: "#333", fillColor: p.fill, fillOpacity: 0.9 });
              }
            });
            shape.bindTooltip(text(p.name) + " : " + rate + " places pour 100 enfants" + (p.estimated ? " (estimé)" : ""));
            shape.addTo(map);
            bounds.extend(shape.getBounds());
          } else {
            var marker = L.circleMarker([feature.geometry.coordinates[1], feature.geometry.coordinates[0]], {
              radius: 7, color: "#ffffff", weight: 1.5, fillColor: p.color, fillOpacity: 1
            });
            marker.bindPopup("<strong>" + text(p.name) + "</strong><br>" + text(p.kind) + " — " + text(p.commune) +
              (p.approximate ? "<br><em>position approximative</em>" : ""));
            if (!layers[p.theme]) { layers[p.theme] = L.layerGroup().addTo(map); }
            layers[p.theme].addLayer(marker);
            bounds.extend(marker.getLatLng());
          }
        });
        if (bounds.isValid()) {
          map.fitBounds(bounds, { padding: [20, 20] });
        } else {
          map.setView([46.6, 2.4], 5);
        }
      })
      .catch(function () {
        element.textContent = "La carte n'a pas pu être chargée ; la liste des équipements ci-dessous reste complète.";
      });

    document.querySelectorAll("[data-theme-toggle]").forEach(function (box) {
      box.addEventListener("change", function () {
        var layer = layers[box.value];
        if (layer) {
          if (box.checked) { layer.addTo(map); } else { map.removeLayer(layer); }
        }
        var list = document.querySelector('[data-theme-list="' + box.value + '"]');
        if (list) { list.hidden = !box.checked; }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
