// The ticks of a tick list (tick_list.js), sent by Python on every run: kept on the list's channel and applied.
export default function ({ data }) {
  const lists = (window.landparkTickLists = window.landparkTickLists || {});
  const entry = (lists[data.channel] = lists[data.channel] || {});
  entry.state = data;
  if (entry.apply) { entry.apply(); }
}
