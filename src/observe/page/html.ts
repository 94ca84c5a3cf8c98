/**
 * The status page's HTML: counters, four plots, the pipeline's operators and the dead letters.
 * Its script (`status.ts`, compiled to `/status.js`) fills them from `/events`; uPlot draws the plots.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Runnel status</title>
<link rel="stylesheet" href="/uplot.css">
<style>
  body { font: 14px system-ui, sans-serif; margin: 1rem 1.5rem; color: #222; }
  header { display: flex; gap: 1rem; align-items: baseline; }
  h1 { font-size: 1.3rem; margin: 0; }
  h2 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; }
  #state { color: #777; }
  #counters { display: flex; flex-wrap: wrap; gap: 0.5rem 2rem; margin: 0.8rem 0; }
  #counters b { font-size: 1.25rem; display: block; }
  .plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 0.5rem 1rem; }
  figure { margin: 0; min-height: 230px; }
  table { border-collapse: collapse; }
  th, td { text-align: left; padding: 0.2rem 0.8rem 0.2rem 0; border-bottom: 1px solid #eee; vertical-align: top; }
  td.n { text-align: right; font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<header><h1>Runnel</h1><span id="state">connecting…</span></header>
<section id="counters">
  <div><b id="ingested">–</b>messages ingested</div>
  <div><b id="read">–</b>elements read</div>
  <div><b id="dead">–</b>dead letters</div>
  <div><b id="model">–</b>model</div>
  <div><b id="memory">–</b>memory (RSS)</div>
</section>
<section class="plots">
  <figure id="plot-rates" data-points="0"></figure>
  <figure id="plot-depths" data-points="0"></figure>
  <figure id="plot-latency" data-points="0"></figure>
  <figure id="plot-model" data-points="0"></figure>
</section>
<h2>Pipeline</h2>
<table id="graph"><thead><tr><th>operator (fused stages)</th><th>reads from</th><th>in</th><th>out</th><th>in/s</th></tr></thead><tbody></tbody></table>
<h2>Dead letters since the start, by stage and reason</h2>
<table id="dead-letters"><thead><tr><th>count</th><th>stage</th><th>code</th><th>latest reason</th></tr></thead><tbody></tbody></table>
<script src="/uplot.js"></script>
<script type="module" src="/status.js"></script>
</body>
</html>
`;
