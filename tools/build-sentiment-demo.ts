// `npm run build:demo`: regenerates the controlled-sentiment demo's SFT checkpoint in
// public/demo/sentiment/ (stage 1 of the demo, run once here so the app can start at stage 2).
// Deterministic for a given backend: corpus and weights are seeded.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateReviews } from '../src/core/sentiment/corpus';
import { SENTIMENT_CORPUS, SENTIMENT_MODEL, SENTIMENT_SFT_SETTINGS } from '../src/core/sentiment/demo-model';
import { trainSentimentSft } from '../src/core/sentiment/experiment';
import { evaluatePolicy } from '../src/core/sentiment/scoring';
import { gpt2ConfigJson, writeGpt2Safetensors } from '../src/core/io/hf-gpt2';
import { metricAt, metricRowCount } from '../src/core/train/metric-names';
import { useNodeBackend } from '../src/cli/node-backend';
import { APP_VERSION } from '../src/core/version';
import { uploadWeights } from '../src/core/model/gpt-weights';

async function main() {
  const { values } = parseArgs({
    options: { out: { type: 'string', default: 'public/demo/sentiment' }, steps: { type: 'string' }, corpus: { type: 'string' } },
  });
  const backend = await useNodeBackend('wasm', (t) => process.stderr.write(t));
  const settings = { ...SENTIMENT_SFT_SETTINGS, steps: values.steps ? Number(values.steps) : SENTIMENT_SFT_SETTINGS.steps };
  const reviews = generateReviews(SENTIMENT_CORPUS.reviews, SENTIMENT_CORPUS.seed);
  // The corpus is regenerated from its seed wherever it is needed; --corpus writes it out to read.
  if (values.corpus) writeFileSync(values.corpus, reviews.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const started = Date.now();
  let lastLoss = NaN;
  const { weights } = await trainSentimentSft(SENTIMENT_MODEL, reviews, settings, {
    onMetrics: (first, rows) => {
      const steps = metricRowCount(rows);
      lastLoss = metricAt(rows, steps - 1, 'loss');
      if ((first + steps - 1) % 50 === 0)
        process.stderr.write(
          `sft step ${first + steps - 1}/${settings.steps}  loss ${lastLoss.toFixed(4)}  ${((Date.now() - started) / 1000).toFixed(0)} s\n`,
        );
    },
  });
  const device = uploadWeights(weights);
  const check = await evaluatePolicy(
    device,
    null,
    SENTIMENT_MODEL,
    reviews.slice(0, 8).map((r) => r.prompt),
    1,
    7,
  );
  for (const s of check.samples) process.stderr.write(`  ${JSON.stringify(s.prompt + s.completion)}  reward ${s.reward.toFixed(2)}\n`);
  mkdirSync(values.out, { recursive: true });
  writeFileSync(join(values.out, 'model.safetensors'), writeGpt2Safetensors(SENTIMENT_MODEL, weights));
  writeFileSync(join(values.out, 'config.json'), JSON.stringify(gpt2ConfigJson(SENTIMENT_MODEL), null, 2) + '\n');
  const build = {
    app: 'DPO Studio',
    version: APP_VERSION,
    backend,
    corpus: SENTIMENT_CORPUS,
    settings,
    finalLoss: lastLoss,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  writeFileSync(join(values.out, 'build.json'), JSON.stringify(build, null, 2) + '\n');
  process.stdout.write(JSON.stringify(build) + '\n');
}

main().catch((error: Error) => {
  process.stderr.write(`error: ${error.message}\n`);
  process.exitCode = 1;
});
