// Renders a `cli sentiment` result as the README's pictures: the reward-vs-KL frontier
// (the paper's Figure 2 at browser scale) and reward over steps, with the app's own plot
// component. Usage: plot-sentiment <result.json> <out.svg>
import { readFileSync, writeFileSync } from 'node:fs';
import { renderToStaticMarkup } from 'react-dom/server';
import { betaSeries, LinePlot } from '../src/ui/sentiment/LinePlot';

interface Result {
  sft: { reward: number };
  runs: { beta: number; points: { step: number; reward: number; kl: number }[] }[];
}

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  process.stderr.write('usage: plot-sentiment <result.json> <out.svg>\n');
  process.exit(2);
}
const result = JSON.parse(readFileSync(input, 'utf8')) as Result;
const series = (pick: (p: Result['runs'][number]['points'][number]) => [number, number]) => betaSeries(result.runs, pick);
const sft = { label: `SFT model (${result.sft.reward.toFixed(3)})`, color: '#777', points: [[0, result.sft.reward]] as [number, number][] };
const frontier = renderToStaticMarkup(
  <LinePlot
    title="Reward vs KL (held-out prompts)"
    xLabel="KL(π ‖ π_ref), nats per sequence"
    yLabel="mean ground-truth reward"
    series={[sft, ...series((p) => [p.kl, p.reward])]}
    include={[
      [0, 0],
      [0, 1],
    ]}
    width={420}
    height={300}
  />,
);
const lastStep = Math.max(...result.runs.flatMap((r) => r.points.map((p) => p.step)));
const reward = renderToStaticMarkup(
  <LinePlot
    title="Reward over steps"
    xLabel="DPO step"
    yLabel="mean ground-truth reward"
    series={[
      {
        ...sft,
        points: [
          [0, result.sft.reward],
          [lastStep, result.sft.reward],
        ],
        dashed: true,
      },
      ...series((p) => [p.step, p.reward]),
    ]}
    include={[
      [0, 0],
      [0, 1],
    ]}
    width={420}
    height={300}
  />,
);
// Two plots side by side in one SVG file.
const inner = (svg: string, x: number) => svg.replace('<svg', `<svg x="${x}"`);
writeFileSync(
  output,
  `<svg xmlns="http://www.w3.org/2000/svg" width="860" height="300" viewBox="0 0 860 300">${inner(frontier, 0)}${inner(reward, 440)}</svg>\n`,
);
process.stdout.write(`wrote ${output}\n`);
