// A run's overlay for a prepared map (ui/map_overlay.py, maps.overlays.OverlayChannel): kept on the page under its
// channel, and handed to the map's window when that map has started (else the map takes it when it starts).
export default function ({ data }) {
  // The files the map's frame will load, asked for now: the frame gets to them only after streamlit-folium's own
  // page and script (~0.3 s later); the published layers are immutable, so the frame then reads them from the cache.
  const asked = (window.landparkPageFetched = window.landparkPageFetched || new Set());
  for (const url of data.prefetch || []) {
    if (!asked.has(url)) {
      asked.add(url);
      fetch(url, { credentials: "same-origin" }).then((r) => r.arrayBuffer()).catch(() => {});  // errors show in the map
    }
  }
  const kept = (window.landparkOverlays = window.landparkOverlays || {});
  kept[data.channel] = data.overlay;
  const deliver = () => {
    for (const frame of document.querySelectorAll("iframe")) {
      try {
        const w = frame.contentWindow;
        if (w && w.landparkOverlayChannel === data.channel && w.landparkApplyOverlay) {
          w.landparkApplyOverlay(kept[data.channel]);
          return;
        }
      } catch (e) { /* a frame of another origin */ }
    }
  };
  deliver();
  requestAnimationFrame(deliver);  // the map's frame may be drawn in the same update as this element
}
