// The forecast's other use: instead of raising the floor to the backlog it expects (the level), keep ready nodes
// above the busy ones for the work that arrives within a provisioning delay, as many as the forecast load calls
// for. Most of that work is met by nodes that jobs finishing meanwhile free; what is left varies as the square
// root of the load (arrivals and completions are both about Poisson). Hence queueing's square-root staffing rule
// (Halfin and Whitt: R + k·√R servers for an offered load of R): the busy nodes are the R actually there, and
// k·√F the margin, F the forecast load. So ready nodes follow the daily pattern, few at night, more at midday.
//
// Why not the level: the level a seasonal mean forecasts is what a typical day reaches, and a day's backlog is
// above or below it by about its square root. Below it, the level floor keeps idle nodes that wait for nobody;
// above it, it keeps none, and that is when jobs wait (`npx tsx bench/forecast.ts --by-hour` shows it).

/** Ready nodes for a forecast load of `forecastNodes` nodes: ⌈spread·√forecastNodes⌉ (none for no load). */
export function spreadNodes(forecastNodes: number, spread: number): number {
  const margin = spread * Math.sqrt(Math.max(forecastNodes, 0));
  return margin > 0 ? Math.ceil(margin - 1e-9) : 0;
}
