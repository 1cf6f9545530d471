import { LOSS_TYPES, type LossType } from '../../core/train/settings';
import { useStore } from '../../state/store';

// Partial: LossType also names losses another branch is adding; the picker lists LOSS_TYPES only.
const LOSS_HELP: Partial<Record<LossType, string>> = {
  sigmoid: 'DPO (paper Eq. 7); with ε > 0, cDPO',
  robust: 'robust DPO for noisy labels (uses ε)',
  ipo: 'IPO: squared loss on length-normalized log-ratios',
  hinge: 'SLiC hinge: relu(1 − β·h)',
  sigmoid_norm: 'DPO on per-token log-ratios',
  apo_zero: 'APO-zero: keeps the chosen likelihood up',
  sft: 'NLL on chosen (RPO term): fights chosen-logp drift',
  simpo: 'SimPO: reference-free, length-normalized, margin γ',
  exo_pair: 'EXO: reverse-KL to the (1 − ε, ε) labels; needs ε > 0',
  nca_pair: 'NCA: absolute rewards; keeps chosen likelihood up',
  bco_pair: 'BCO: each completion classified alone (MPO’s quality term)',
  sppo_hard: 'SPPO, hard labels: rewards pushed to ±1/(2β)',
  aot: 'AOT: sorted margins vs the reference’s, batch-wide',
  aot_unpaired: 'AOT for unpaired data: sorted ρ_w vs sorted ρ_l',
  apo_down: 'APO-down: chosen down, rejected down more',
  discopop: 'DiscoPOP: logistic/exponential blend, τ below',
};

/** Loss terms and their weights, summed as TRL's loss_type + loss_weights. */
export function LossPicker() {
  const types = useStore((s) => s.settings.lossTypes);
  const weights = useStore((s) => s.settings.lossWeights);
  const update = useStore((s) => s.updateSettings);
  const invalid = useStore((s) => s.error?.field === 'lossTypes' || s.error?.field === 'lossWeights');
  const toggle = (type: LossType, on: boolean) => {
    const entries = LOSS_TYPES.filter((t) => (t === type ? on : types.includes(t))).map((t) => [t, t === type ? 1 : weights[types.indexOf(t)]] as const);
    update({ lossTypes: entries.map(([t]) => t), lossWeights: entries.map(([, w]) => w) });
  };
  const setWeight = (type: LossType, weight: number) => update({ lossWeights: types.map((t, i) => (t === type ? weight : weights[i])) });
  return (
    <fieldset className={invalid ? 'losses field-error' : 'losses'} data-testid="settings-losses">
      <legend>Loss terms (weighted sum)</legend>
      {LOSS_TYPES.map((type) => {
        const on = types.includes(type);
        return (
          <div key={type} className="loss-row">
            <label title={LOSS_HELP[type]}>
              <input type="checkbox" checked={on} onChange={(e) => toggle(type, e.target.checked)} data-testid={`loss-${type}`} /> {type}
            </label>
            {on && (
              <input
                type="number"
                step="0.1"
                aria-label={`${type} weight`}
                value={Number.isNaN(weights[types.indexOf(type)]) ? '' : weights[types.indexOf(type)]}
                onChange={(e) => setWeight(type, e.target.value === '' ? NaN : Number(e.target.value))}
              />
            )}
            <small>{LOSS_HELP[type]}</small>
          </div>
        );
      })}
    </fieldset>
  );
}
