import { expect, test, type Locator } from '@playwright/test';

/** Fills the sweep's fields by their labels; evaluations kept small so the test stays quick. */
async function configure(demo: Locator, betas: string, steps: number) {
  await demo.getByLabel('β values (one run each)').fill(betas);
  await demo.getByLabel('DPO steps per β').fill(String(steps));
  await demo.getByLabel('Evaluate every').fill('2');
  await demo.getByLabel('Prompts for pairs').fill('96');
  await demo.getByLabel('Evaluation prompts').fill('8');
  await demo.getByLabel('Samples per prompt').fill('2');
}

// The demo a new user meets first: shipped SFT checkpoint → pairs → a short DPO sweep.
// wasm keeps it quick on this machine's CPUs; the pipeline is the same on every backend.
test('the sentiment demo runs stages 2-3 from the shipped SFT model and plots the frontier', async ({ page }) => {
  await page.goto('/?backend=wasm');
  const demo = page.locator('#panel-demo');
  await expect(page.getByRole('tab', { name: 'Sentiment demo' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText(/shipped SFT checkpoint, [\d,]+ parameters/)).toBeVisible({ timeout: 60_000 });

  await configure(demo, '0.1, 1', 4);
  await demo.getByRole('button', { name: 'Run sweep' }).click();
  await expect(demo.getByRole('status')).toContainText(/Stage 2: sampling pairs|Stage 3: DPO/, { timeout: 60_000 });

  await expect(page.getByTestId('reward-1')).not.toHaveText('—', { timeout: 240_000 });
  await expect(demo.getByRole('button', { name: 'Run sweep' })).toBeEnabled({ timeout: 60_000 });
  const sft = Number(await page.getByTestId('sft-reward').textContent());
  expect(sft).toBeGreaterThan(0);
  expect(sft).toBeLessThan(1);
  for (const beta of ['0.1', '1']) expect(Number(await page.getByTestId(`reward-${beta}`).textContent())).toBeGreaterThan(0);
  await expect(page.getByText(/\d+ pairs \(\d+ ties dropped\)/)).toBeVisible();
  // Both runs are on the frontier chart, which starts at the SFT model (KL 0).
  const frontier = page.getByRole('img', { name: /Reward vs KL frontier/ });
  await expect(frontier).toHaveAttribute(
    'aria-label',
    /SFT model: \(0, [\d.]+\); β = 0.1: \(0, [\d.]+\) \([-\d.]+, [\d.]+\) \([-\d.]+, [\d.]+\); β = 1:/,
  );
  // Policy samples beside the SFT model's, each with a reward.
  await expect(
    page
      .getByRole('region', { name: 'Sample completions' })
      .getByText(/r = \d\.\d\d/)
      .first(),
  ).toBeVisible();
  expect(await page.getByRole('region', { name: 'Sample completions' }).locator('tbody tr').count()).toBeGreaterThan(0);
});

test('a stopped sweep keeps what it measured and can run again', async ({ page }) => {
  // The run waits before step 5 until stopped (?testHold=4): the stop meets it mid-way.
  await page.goto('/?backend=wasm&testHold=4');
  const demo = page.locator('#panel-demo');
  await expect(page.getByText(/shipped SFT checkpoint/)).toBeVisible({ timeout: 60_000 });
  await configure(demo, '0.5', 400);
  await demo.getByRole('button', { name: 'Run sweep' }).click();
  await expect(demo.getByRole('status')).toContainText('Stage 3: DPO', { timeout: 120_000 });
  // Points at steps 0, 2 and 4: the run is held after its step-4 evaluation.
  await expect(page.getByRole('img', { name: /Reward vs KL frontier/ })).toHaveAttribute(
    'aria-label',
    /β = 0.5: \(0, [\d.]+\) \([-\d.]+, [\d.]+\) \([-\d.]+, [\d.]+\)$/,
    { timeout: 120_000 },
  );
  await demo.getByRole('button', { name: 'Stop' }).click();
  await expect(demo.getByRole('button', { name: 'Run sweep' })).toBeEnabled({ timeout: 60_000 });
  const stoppedAt = Number(await page.locator('.demo-results tbody tr').nth(1).locator('td').nth(1).textContent());
  expect(stoppedAt).toBe(4);
  await expect(page.getByRole('alert')).toHaveCount(0);
});

test('a sweep with an absurd learning rate says which β diverged, where, and on which metric', async ({ page }) => {
  await page.goto('/?backend=wasm');
  const demo = page.locator('#panel-demo');
  await expect(page.getByText(/shipped SFT checkpoint/)).toBeVisible({ timeout: 60_000 });
  await configure(demo, '0.1', 20);
  await demo.getByLabel('Learning rate').fill('1e30');
  await demo.getByRole('button', { name: 'Run sweep' }).click();
  await expect(page.getByTestId('diverged-0.1')).toHaveText(/diverged at step \d+: (loss|grad_norm) became/, { timeout: 240_000 });
  await expect(page.getByRole('img', { name: /DPO loss/ })).toHaveAttribute('aria-label', /β = 0.1 \(diverged at step \d+: (loss|grad_norm)\)/);
  await expect(demo.getByRole('button', { name: 'Run sweep' })).toBeEnabled({ timeout: 60_000 });
});

test('stage 1 can be rerun in the browser and replaces the SFT model', async ({ page }) => {
  await page.goto('/?backend=wasm');
  const demo = page.locator('#panel-demo');
  await expect(demo.getByText(/shipped SFT checkpoint/)).toBeVisible({ timeout: 60_000 });
  await demo.getByLabel('Steps', { exact: true }).fill('3');
  await demo.getByRole('button', { name: 'Retrain stage 1' }).click();
  await expect(demo.getByText(/retrained here: 3 steps, loss \d+\.\d{3}/)).toBeVisible({ timeout: 120_000 });
  await expect(demo.getByRole('img', { name: /SFT loss\. SFT: \(1, [\d.]+\) \(2, [\d.]+\) \(3, [\d.]+\)/ })).toBeVisible();
});
