"""Web-map display shared by the app and the exports: compact layers, choropleth classes, basemaps,
overlays and the vendored Leaflet assets. Importable without Streamlit."""
